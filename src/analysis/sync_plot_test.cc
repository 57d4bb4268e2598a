#include "analysis/sync_plot.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace rapport {
namespace {

CcfMatrix Tiny() {
  CcfMatrix m;
  m.fps = 1;
  m.geometry = CcfGeometry{4, 1, 2, 2};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  m.values = {-0.5, 0.2, 0.9, nan, nan, nan};
  return m;
}

TEST(SyncPlot, HeatmapHasOneCellPerValueAndGreyForMissing) {
  const std::string svg = CcfHeatmapSvg(Tiny(), "session <1>");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("session &lt;1&gt;"), std::string::npos);
  std::size_t cells = 0;
  for (std::size_t p = svg.find("<rect x"); p != std::string::npos; p = svg.find("<rect x", p + 1))
    ++cells;
  EXPECT_GE(cells, 6u);
  EXPECT_NE(svg.find("#bbbbbb"), std::string::npos);
  EXPECT_NE(svg.find("#ff"), std::string::npos);  // the positive end is red
}

TEST(SyncPlot, PeakPlotBreaksTheLineAtMissingWindows) {
  const CcfMatrix m = Tiny();
  const std::string svg = PeakPlotSvg(m, Summarize(m), "peaks");
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace rapport
