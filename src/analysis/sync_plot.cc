#include "analysis/sync_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "analysis/sync_series.h"

namespace rapport {
namespace {

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Blue (-1) through white (0) to red (+1).
std::string Colour(double t) {
  t = std::clamp(t, -1.0, 1.0);
  const auto channel = [](double v) { return static_cast<int>(std::lround(255 * v)); };
  if (t >= 0) return fmt::format("#{:02x}{:02x}{:02x}", 255, channel(1 - t), channel(1 - t));
  return fmt::format("#{:02x}{:02x}{:02x}", channel(1 + t), channel(1 + t), 255);
}

}  // namespace

std::string CcfHeatmapSvg(const CcfMatrix& m, const std::string& title) {
  const int rows = m.geometry.n_windows;
  const int cols = m.geometry.n_lags();
  double extent = 0;
  for (double v : m.values) {
    if (!IsMissing(v)) extent = std::max(extent, std::abs(v));
  }
  if (extent == 0) extent = 1;
  const double plot_w = 600, plot_h = std::clamp(rows * 6.0, 120.0, 600.0);
  const double left = 70, top = 40, cell_w = plot_w / cols, cell_h = plot_h / rows;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n"
      "<title>{}</title>\n<text x=\"{}\" y=\"20\" font-size=\"14\">{}</text>\n",
      left + plot_w + 110, top + plot_h + 50, Escape(title), left, Escape(title));
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const double v = m.at(r, c);
      svg += fmt::format(
          "<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"{}\"/>\n",
          left + c * cell_w, top + r * cell_h, cell_w + 0.05, cell_h + 0.05,
          IsMissing(v) ? std::string("#bbbbbb") : Colour(v / extent));
    }
  }
  // Axes: lags along the bottom, window start times down the left.
  for (int i = 0; i <= 4; ++i) {
    const int c = static_cast<int>(std::lround(i * (cols - 1) / 4.0));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:g}</text>\n",
                       left + (c + 0.5) * cell_w, top + plot_h + 15, m.LagSeconds(c));
  }
  svg += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">lag (s); positive: person 2 "
      "follows person 1</text>\n",
      left + plot_w / 2, top + plot_h + 35);
  for (int i = 0; i <= 4 && rows > 0; ++i) {
    const int r = static_cast<int>(std::lround(i * (rows - 1) / 4.0));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{:g} s</text>\n",
                       left - 5, top + (r + 0.5) * cell_h + 4, m.WindowStartSeconds(r));
  }
  // Legend.
  const double lx = left + plot_w + 20;
  for (int i = 0; i < 50; ++i) {
    const double t = 1 - 2.0 * i / 49;
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"16\" height=\"{:.2f}\" fill=\"{}\"/>\n", lx,
        top + i * 4.0, 4.05, Colour(t));
  }
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{:.3g}</text>\n", lx + 20, top + 8, extent);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">0</text>\n", lx + 20, top + 102);
  svg +=
      fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{:.3g}</text>\n", lx + 20, top + 200, -extent);
  svg += fmt::format(
      "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"16\" height=\"8\" fill=\"#bbbbbb\"/>"
      "<text x=\"{:.1f}\" y=\"{:.1f}\">missing</text>\n",
      lx, top + 215, lx + 20, top + 223);
  svg += "</svg>\n";
  return svg;
}

std::string PeakPlotSvg(const CcfMatrix& m, const CcfSummary& s, const std::string& title) {
  const double left = 70, top = 40, plot_w = 600, plot_h = 250;
  const int n = m.geometry.n_windows;
  double lo = 0, hi = 0;
  for (double v : s.peak) {
    if (IsMissing(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (hi == lo) hi = lo + 1;
  const double max_lag = std::max(m.geometry.max_lag / m.fps, 1e-9);
  const double t_end = std::max(m.WindowStartSeconds(std::max(n - 1, 0)), 1e-9);
  auto x_of = [&](int w) { return left + plot_w * m.WindowStartSeconds(w) / t_end; };
  auto y_of = [&](double v) { return top + plot_h * (1 - (v - lo) / (hi - lo)); };
  auto y_lag = [&](double lag) { return top + plot_h * (1 - (lag + max_lag) / (2 * max_lag)); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n"
      "<title>{}</title>\n<text x=\"{}\" y=\"20\" font-size=\"14\">{}</text>\n"
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\n",
      left + plot_w + 80, top + plot_h + 50, Escape(title), left, Escape(title), left, top, plot_w,
      plot_h);
  auto polyline = [&](const std::vector<double>& v, auto y, const char* colour) {
    std::string points;
    for (int w = 0; w < n; ++w) {
      const double value = v[static_cast<std::size_t>(w)];
      if (IsMissing(value)) {
        if (!points.empty()) {
          svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" points=\"{}\"/>\n", colour,
                             points);
          points.clear();
        }
        continue;
      }
      points += fmt::format("{:.1f},{:.1f} ", x_of(w), y(value));
    }
    if (!points.empty()) {
      svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" points=\"{}\"/>\n", colour, points);
    }
  };
  polyline(s.peak_lag, y_lag, "#999999");
  polyline(s.peak, y_of, "#c0392b");
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#c0392b\">{:.3g}</text>\n",
                     left - 5, top + 10, hi);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#c0392b\">{:.3g}</text>\n",
                     left - 5, top + plot_h, lo);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#777\">+{:g} s</text>\n", left + plot_w + 5,
                     top + 10, max_lag);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#777\">-{:g} s</text>\n", left + plot_w + 5,
                     top + plot_h, max_lag);
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">window start (0 to {:g} s): peak value "
      "(red), "
      "lag of the peak (grey)</text>\n</svg>\n",
      left + plot_w / 2, top + plot_h + 30, t_end);
  return svg;
}

}  // namespace rapport
