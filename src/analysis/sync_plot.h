#pragma once
// SVG pictures of a cross-correlation result: a window x lag heatmap and a time plot of each
// window's peak. Pure: they return the SVG text; the caller writes it. Thread-compatible.

#include <string>

#include "analysis/sync_ccf.h"

namespace rapport {

// Rows are windows (time runs down), columns lags (negative left, positive right); a diverging
// blue-white-red scale centred on zero, grey for missing cells, with a legend of the range.
std::string CcfHeatmapSvg(const CcfMatrix& matrix, const std::string& title);

// Each window's peak value against the window's start time, with the lag of the peak as a
// second line on its own axis.
std::string PeakPlotSvg(const CcfMatrix& matrix, const CcfSummary& summary,
                        const std::string& title);

}  // namespace rapport
