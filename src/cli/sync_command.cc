// rapport sync ccf|batch|susy: the synchrony engine's command line (mea runs in a program of its
// own, rapport-mea: cli/mea/). Reads files, hands plain series to src/analysis, writes
// CSV/JSON/SVG.

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "analysis/sync_ccf.h"
#include "analysis/sync_plot.h"
#include "analysis/sync_preprocess.h"
#include "analysis/sync_series.h"
#include "analysis/sync_surrogate.h"
#include "cli/commands.h"
#include "core/file.h"
#include "core/json.h"

namespace rapport {
namespace {

constexpr const char* kSyncUsage = R"(rapport sync: nonverbal synchrony between two people

Usage:
  rapport sync mea VIDEO --roi NAME:x,y,w,h ... [options]   motion energy from video
  rapport sync ccf FILE [FILE2] [options]     windowed lagged cross-correlation
  rapport sync batch DIR [options]            every session in DIR, against pseudo pairs
  rapport sync susy FILE [FILE2] [options]    surrogate synchrony (SUSY)

`rapport sync SUBCOMMAND --help` lists each one's options.
A positive lag means person 2 follows person 1.
)";

// The options that read and prepare a session, shared by every subcommand.
void DeclareInputOptions(CommandLine& line) {
  line.Option("--fps", "N", "samples per second (default 25)")
      .Option("--input", "mea|csv|openface",
              "file type (default: .csv is csv, anything else mea); openface takes one file per "
              "person: FILE (person 1) and FILE2")
      .Option("--p1", "COLS",
              "MEA: 1-based columns summed for person 1 (default 1); CSV: its column name "
              "(default the first)")
      .Option("--p2", "COLS", "the same for person 2 (default 2, or the second column)")
      .Option("--confidence", "X",
              "OpenFace: frames below this tracking confidence are missing (default 0.8)")
      .Option("--pose", "translation|rotation",
              "OpenFace: which head movement to use (default translation)")
      .Option("--skip", "S", "drop the first S seconds")
      .Option("--smooth", "S", "centred moving average over S seconds")
      .Flag("--scale", "divide each person's series by its SD (no centring)")
      .Flag("--rmea-compat", "reproduce rMEA's arithmetic and edge rules exactly (docs/sync.md)");
}

// Where and how the result is written.
void DeclareOutputOptions(CommandLine& line) {
  line.Option("--format", "csv|json", "output format (default csv)")
      .Option("--out", "PATH", "write there instead of standard output");
}

// The windowed cross-correlation's options, for ccf and batch.
void DeclareCcfOptions(CommandLine& line, bool batch) {
  line.Option("--lag", "S", "the largest lag in seconds (default 5)")
      .Option("--window", "S", "window length in seconds (default 60)")
      .Option("--increment", "S", "step between windows in seconds (default 30)")
      .Flag("--abs", "absolute correlations")
      .Flag("--fisher-z", "Fisher's z of each correlation");
  DeclareOutputOptions(line);
  line.Flag("--plot", "also write PATH's heatmap and peak plot as SVG (needs --out)")
      .Option("--surrogates", "N",
              batch ? "the number of pseudo pairs (default 0: all)"
                    : "the number of segment-shuffled surrogates (default none)")
      .Option("--seed", "S", "random seed for surrogates (default 1)");
  if (!batch) {
    line.Option("--segment", "S", "shuffled segment length in seconds (default 30)");
  }
  line.Option("--threads", "N", "threads (default: every core); results do not depend on it");
}

std::unique_ptr<CommandLine> SyncLine(const std::string& sub) {
  constexpr const char* kFollows = "A positive lag means person 2 follows person 1.";
  std::unique_ptr<CommandLine> line;
  if (sub == "ccf") {
    line = std::make_unique<CommandLine>(
        "sync ccf", "FILE [FILE2] [options]",
        "Windowed lagged cross-correlation of two people's movement, with segment-shuffled "
        "surrogates when asked.");
    line->Words("FILE", "the session (for --input openface, person 1's file, then person 2's)", 2);
    DeclareInputOptions(*line);
    DeclareCcfOptions(*line, /*batch=*/false);
  } else if (sub == "batch") {
    line = std::make_unique<CommandLine>(
        "sync batch", "DIR [options]",
        "Every session in DIR, each compared with pseudo pairs made of the others.");
    line->Words("DIR", "the folder of sessions", 1);
    DeclareInputOptions(*line);
    DeclareCcfOptions(*line, /*batch=*/true);
  } else {
    line = std::make_unique<CommandLine>(
        "sync susy", "FILE [FILE2] [options]",
        "Surrogate synchrony (SUSY, Tschacher & Meier): the session's lagged correlations "
        "against those of shuffled segments.");
    line->Words("FILE", "the session (for --input openface, person 1's file, then person 2's)", 2);
    DeclareInputOptions(*line);
    DeclareOutputOptions(*line);
    line->Option("--segment", "S", "segment length in seconds (default 30)")
        .Option("--max-lag", "S", "the largest lag in seconds (default 3)");
  }
  line->Footer(kFollows);
  return line;
}

Result<double> GetNumber(const CommandLine& a, std::string_view flag, double fallback) {
  const std::string text = a.Get(flag, "");
  if (text.empty()) return fallback;
  auto v = ParseCell(text);
  if (!v || IsMissing(*v)) {
    return Fail(Error::Field(std::string(flag), fmt::format("must be a number, not '{}'", text)));
  }
  return *v;
}

Result<int> GetInt(const CommandLine& a, std::string_view flag, int fallback) {
  RAPPORT_ASSIGN_OR_RETURN(const double v, GetNumber(a, flag, fallback));
  if (v != std::floor(v) || v < 0 || v > 1e9) {
    return Fail(Error::Field(std::string(flag), "must be a whole number >= 0"));
  }
  return static_cast<int>(v);
}

std::string WithPrefix(const std::string& path, const Error& error) {
  return fmt::format("{}: {}", path, error.message);
}

// Reads one session (one or two files) into a preprocessed dyad.
Result<DyadSeries> LoadSession(const CommandLine& a, const std::string& path,
                               const std::string& second_path) {
  RAPPORT_ASSIGN_OR_RETURN(const double fps, GetNumber(a, "--fps", 25));
  if (!(fps > 0)) return Fail(Error::Field("--fps", "must be positive"));
  std::string input = a.Get("--input", "");
  if (input.empty()) input = path.ends_with(".csv") ? "csv" : "mea";
  DyadSeries series;
  if (input == "mea") {
    std::vector<int> p1 = {1}, p2 = {2};
    if (!a.Get("--p1", "").empty()) {
      RAPPORT_ASSIGN_OR_RETURN(p1, ParseColumnList(a.Get("--p1", "")));
    }
    if (!a.Get("--p2", "").empty()) {
      RAPPORT_ASSIGN_OR_RETURN(p2, ParseColumnList(a.Get("--p2", "")));
    }
    RAPPORT_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(path));
    auto parsed = ParseMeaText(text, p1, p2);
    if (!parsed) return Fail(Error::InvalidArgument(WithPrefix(path, parsed.error())));
    series = std::move(*parsed);
  } else if (input == "csv") {
    RAPPORT_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(path));
    auto parsed = ParsePlainCsv(text, a.Get("--p1", ""), a.Get("--p2", ""));
    if (!parsed) return Fail(Error::InvalidArgument(WithPrefix(path, parsed.error())));
    series = std::move(*parsed);
  } else if (input == "openface") {
    if (second_path.empty()) {
      return Fail(Error::Field("--input", "openface needs two files: person 1 and person 2"));
    }
    OpenFaceOptions options;
    RAPPORT_ASSIGN_OR_RETURN(options.min_confidence, GetNumber(a, "--confidence", 0.8));
    const std::string pose = a.Get("--pose", "translation");
    if (pose == "rotation") {
      options.movement = PoseMovement::kRotation;
    } else if (pose != "translation") {
      return Fail(Error::Field("--pose", "must be translation or rotation"));
    }
    for (int person = 0; person < 2; ++person) {
      const std::string& file = person == 0 ? path : second_path;
      RAPPORT_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(file));
      auto movement = ParseOpenFaceCsv(text, options);
      if (!movement) return Fail(Error::InvalidArgument(WithPrefix(file, movement.error())));
      (person == 0 ? series.s1 : series.s2) = std::move(*movement);
    }
    // Trackers may drop trailing frames of one face: compare the common stretch.
    const std::size_t n = std::min(series.s1.size(), series.s2.size());
    series.s1.resize(n);
    series.s2.resize(n);
  } else {
    return Fail(Error::Field("--input", "must be mea, csv or openface"));
  }
  series.fps = fps;
  PreprocessOptions pre;
  RAPPORT_ASSIGN_OR_RETURN(pre.skip_seconds, GetNumber(a, "--skip", 0));
  RAPPORT_ASSIGN_OR_RETURN(pre.smooth_seconds, GetNumber(a, "--smooth", 0));
  pre.scale = a.Has("--scale");
  pre.rmea_compat = a.Has("--rmea-compat");
  return Preprocess(series, pre);
}

Result<CcfOptions> GetCcfOptions(const CommandLine& a) {
  CcfOptions o;
  RAPPORT_ASSIGN_OR_RETURN(o.fps, GetNumber(a, "--fps", 25));
  RAPPORT_ASSIGN_OR_RETURN(o.lag_seconds, GetNumber(a, "--lag", 5));
  RAPPORT_ASSIGN_OR_RETURN(o.window_seconds, GetNumber(a, "--window", 60));
  RAPPORT_ASSIGN_OR_RETURN(o.increment_seconds, GetNumber(a, "--increment", 30));
  RAPPORT_ASSIGN_OR_RETURN(o.threads, GetInt(a, "--threads", 0));
  if (o.threads == 0)
    o.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.absolute = a.Has("--abs");
  o.fisher_z = a.Has("--fisher-z");
  o.rmea_compat = a.Has("--rmea-compat");
  return o;
}

std::string Number(double v) {
  return IsMissing(v) ? std::string("NA") : fmt::format("{}", v);
}

Json JsonNumber(double v) {
  return IsMissing(v) ? Json(nullptr) : Json(v);
}

Json JsonSeries(const std::vector<double>& values) {
  Json array = Json::array();
  for (double v : values) array.push_back(JsonNumber(v));
  return array;
}

Json SessionJson(const SessionSynchrony& s) {
  Json j = Json::object();
  for (int f = 0; f < kSessionSynchronyFields; ++f) {
    j[SessionSynchronyName(f)] = JsonNumber(SessionSynchronyValue(s, f));
  }
  return j;
}

Json ComparisonJson(const SurrogateComparison& c) {
  return Json{{"real", JsonNumber(c.real)},
              {"mean", JsonNumber(c.mean)},
              {"sd", JsonNumber(c.sd)},
              {"z", JsonNumber(c.z)},
              {"percentile", JsonNumber(c.percentile)},
              {"effect_size", JsonNumber(c.effect_size)},
              {"n", c.n}};
}

// comparisons[f] for each session summary field f.
std::vector<SurrogateComparison> Compare(std::span<const SessionSynchrony> real,
                                         std::span<const SessionSynchrony> surrogates) {
  std::vector<SurrogateComparison> out;
  for (int f = 0; f < kSessionSynchronyFields; ++f) {
    std::vector<double> r, s;
    for (const SessionSynchrony& x : real) r.push_back(SessionSynchronyValue(x, f));
    for (const SessionSynchrony& x : surrogates) s.push_back(SessionSynchronyValue(x, f));
    out.push_back(CompareToSurrogates(r, s));
  }
  return out;
}

std::string ComparisonCsv(const std::vector<SurrogateComparison>& comparisons) {
  std::string csv = "summary,real,mean,sd,z,percentile,effect_size,n\n";
  for (int f = 0; f < kSessionSynchronyFields; ++f) {
    const SurrogateComparison& c = comparisons[static_cast<std::size_t>(f)];
    csv += fmt::format("{},{},{},{},{},{},{},{}\n", SessionSynchronyName(f), Number(c.real),
                       Number(c.mean), Number(c.sd), Number(c.z), Number(c.percentile),
                       Number(c.effect_size), c.n);
  }
  return csv;
}

std::string Stem(const std::string& path) {
  const std::filesystem::path p(path);
  return (p.parent_path() / p.stem()).string();
}

// Writes `content` to --out, or to `out` when there is none.
Status Emit(const CommandLine& a, std::ostream& out, const std::string& content) {
  const std::string path = a.Get("--out", "");
  if (path.empty()) {
    out << content;
    return Ok();
  }
  return WriteWholeFile(path, content);
}

Result<std::string> GetFormat(const CommandLine& a) {
  std::string format = a.Get("--format", "csv");
  if (format != "csv" && format != "json") {
    return Fail(Error::Field("--format", "must be csv or json"));
  }
  if (a.Has("--plot") && a.Get("--out", "").empty()) {
    return Fail(Error::Field("--plot", "writes next to --out PATH; give --out"));
  }
  return format;
}

Status RunCcf(const CommandLine& a, std::ostream& out) {
  if (a.words().empty() || a.words().size() > 2) {
    return Fail(Error::InvalidArgument("ccf takes FILE (or, for --input openface, FILE FILE2)"));
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::string format, GetFormat(a));
  const std::string& path = a.words()[0];
  RAPPORT_ASSIGN_OR_RETURN(const DyadSeries series,
                           LoadSession(a, path, a.words().size() > 1 ? a.words()[1] : ""));
  RAPPORT_ASSIGN_OR_RETURN(const CcfOptions options, GetCcfOptions(a));
  RAPPORT_ASSIGN_OR_RETURN(const CcfMatrix matrix, ComputeCcf(series.s1, series.s2, options));
  const CcfSummary summary = Summarize(matrix);
  const SessionSynchrony session = SummarizeSession(summary);

  RAPPORT_ASSIGN_OR_RETURN(const int n_surrogates, GetInt(a, "--surrogates", 0));
  std::vector<SurrogateComparison> comparisons;
  SurrogateOptions so;
  if (n_surrogates > 0) {
    so.count = n_surrogates;
    RAPPORT_ASSIGN_OR_RETURN(const int seed, GetInt(a, "--seed", 1));
    so.seed = static_cast<std::uint64_t>(seed);
    RAPPORT_ASSIGN_OR_RETURN(so.segment_seconds, GetNumber(a, "--segment", 30));
    so.threads = options.threads;
    RAPPORT_ASSIGN_OR_RETURN(const std::vector<SessionSynchrony> surrogates,
                             RunSegmentSurrogates(series, options, so));
    comparisons = Compare(std::span<const SessionSynchrony>(&session, 1), surrogates);
    if (format == "csv") {
      if (a.Get("--out", "").empty()) {
        return Fail(Error::Field("--surrogates",
                                 "with --format csv the surrogate table goes next to --out PATH; "
                                 "give --out or use --format json"));
      }
      RAPPORT_RETURN_IF_ERROR(
          WriteWholeFile(Stem(a.Get("--out", "")) + "_surrogates.csv", ComparisonCsv(comparisons)));
    }
  }

  if (format == "csv") {
    RAPPORT_RETURN_IF_ERROR(Emit(a, out, CcfMatrixCsv(matrix)));
  } else {
    Json j;
    j["file"] = path;
    j["fps"] = options.fps;
    j["window_seconds"] = options.window_seconds;
    j["increment_seconds"] = options.increment_seconds;
    j["lag_seconds"] = options.lag_seconds;
    j["fisher_z"] = options.fisher_z;
    j["absolute"] = options.absolute;
    j["rmea_compat"] = options.rmea_compat;
    Json lags = Json::array();
    for (int c = 0; c < matrix.geometry.n_lags(); ++c) lags.push_back(matrix.LagSeconds(c));
    j["lags_seconds"] = lags;
    Json windows = Json::array();
    Json rows = Json::array();
    for (int w = 0; w < matrix.geometry.n_windows; ++w) {
      windows.push_back(
          {{"start", matrix.WindowStartSeconds(w)}, {"end", matrix.WindowEndSeconds(w)}});
      Json row = Json::array();
      for (int c = 0; c < matrix.geometry.n_lags(); ++c) row.push_back(JsonNumber(matrix.at(w, c)));
      rows.push_back(std::move(row));
    }
    j["windows"] = windows;
    j["matrix"] = rows;
    j["summary"] = {{"all_lags", JsonSeries(summary.all_lags)},
                    {"lag_zero", JsonSeries(summary.lag_zero)},
                    {"s1_lead", JsonSeries(summary.s1_lead)},
                    {"s2_lead", JsonSeries(summary.s2_lead)},
                    {"s1_lead_0", JsonSeries(summary.s1_lead_0)},
                    {"s2_lead_0", JsonSeries(summary.s2_lead_0)},
                    {"peak", JsonSeries(summary.peak)},
                    {"peak_lag", JsonSeries(summary.peak_lag)},
                    {"grand_average", JsonNumber(summary.grand_average)}};
    j["session"] = SessionJson(session);
    if (!comparisons.empty()) {
      Json c = Json::object();
      for (int f = 0; f < kSessionSynchronyFields; ++f) {
        c[SessionSynchronyName(f)] = ComparisonJson(comparisons[static_cast<std::size_t>(f)]);
      }
      j["surrogates"] = {{"method", "segment shuffling within the session"},
                         {"count", so.count},
                         {"seed", so.seed},
                         {"segment_seconds", so.segment_seconds},
                         {"comparison", c}};
    }
    RAPPORT_RETURN_IF_ERROR(Emit(a, out, j.dump(1) + "\n"));
  }
  if (a.Has("--plot")) {
    const std::string stem = Stem(a.Get("--out", ""));
    const std::string name = std::filesystem::path(path).filename().string();
    RAPPORT_RETURN_IF_ERROR(WriteWholeFile(stem + "_heatmap.svg", CcfHeatmapSvg(matrix, name)));
    RAPPORT_RETURN_IF_ERROR(WriteWholeFile(
        stem + "_peaks.svg", PeakPlotSvg(matrix, summary, name + ": peak per window")));
  }
  return Ok();
}

Status RunBatch(const CommandLine& a, std::ostream& out) {
  if (a.words().size() != 1) return Fail(Error::InvalidArgument("batch takes one DIR"));
  RAPPORT_ASSIGN_OR_RETURN(const std::string format, GetFormat(a));
  if (a.Has("--plot")) return Fail(Error::Field("--plot", "batch does not draw plots; use ccf"));
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(a.words()[0], ec)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".txt" || ext == ".csv"))
      files.push_back(entry.path().string());
  }
  if (ec)
    return Fail(Error::NotFound(fmt::format("cannot read {}: {}", a.words()[0], ec.message())));
  std::sort(files.begin(), files.end());
  if (files.size() < 2) {
    return Fail(Error::InvalidArgument("batch needs at least two sessions (.txt or .csv) in DIR"));
  }
  RAPPORT_ASSIGN_OR_RETURN(const CcfOptions options, GetCcfOptions(a));
  std::vector<DyadSeries> sessions;
  std::vector<SessionSynchrony> real;
  for (const std::string& file : files) {
    RAPPORT_ASSIGN_OR_RETURN(DyadSeries s, LoadSession(a, file, ""));
    auto m = ComputeCcf(s.s1, s.s2, options);
    if (!m) return Fail(Error::InvalidArgument(WithPrefix(file, m.error())));
    real.push_back(SummarizeSession(Summarize(*m)));
    sessions.push_back(std::move(s));
  }
  RAPPORT_ASSIGN_OR_RETURN(const int count, GetInt(a, "--surrogates", 0));
  RAPPORT_ASSIGN_OR_RETURN(const int seed, GetInt(a, "--seed", 1));
  const std::vector<PseudoPair> pairs =
      ChoosePseudoPairs(static_cast<int>(sessions.size()), count, static_cast<std::uint64_t>(seed));
  const std::vector<SessionSynchrony> pseudo =
      RunPseudoPairs(sessions, pairs, options, options.threads);
  const std::vector<SurrogateComparison> group = Compare(real, pseudo);

  if (format == "csv") {
    std::string csv = "session";
    for (int f = 0; f < kSessionSynchronyFields; ++f) {
      csv += fmt::format(",{0},{0}_z,{0}_percentile", SessionSynchronyName(f));
    }
    csv += "\n";
    for (std::size_t i = 0; i < files.size(); ++i) {
      csv += std::filesystem::path(files[i]).filename().string();
      const std::vector<SurrogateComparison> against =
          Compare(std::span<const SessionSynchrony>(&real[i], 1), pseudo);
      for (const SurrogateComparison& c : against) {
        csv += fmt::format(",{},{},{}", Number(c.real), Number(c.z), Number(c.percentile));
      }
      csv += "\n";
    }
    RAPPORT_RETURN_IF_ERROR(Emit(a, out, csv));
    if (!a.Get("--out", "").empty()) {
      RAPPORT_RETURN_IF_ERROR(
          WriteWholeFile(Stem(a.Get("--out", "")) + "_pseudo.csv", ComparisonCsv(group)));
    }
    return Ok();
  }
  Json j;
  j["pseudo_pairs"] = pairs.size();
  j["seed"] = seed;
  Json list = Json::array();
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::vector<SurrogateComparison> c =
        Compare(std::span<const SessionSynchrony>(&real[i], 1), pseudo);
    Json against = Json::object();
    for (int f = 0; f < kSessionSynchronyFields; ++f) {
      against[SessionSynchronyName(f)] = ComparisonJson(c[static_cast<std::size_t>(f)]);
    }
    list.push_back({{"file", std::filesystem::path(files[i]).filename().string()},
                    {"session", SessionJson(real[i])},
                    {"against_pseudo_pairs", against}});
  }
  j["sessions"] = list;
  Json g = Json::object();
  for (int f = 0; f < kSessionSynchronyFields; ++f) {
    g[SessionSynchronyName(f)] = ComparisonJson(group[static_cast<std::size_t>(f)]);
  }
  j["real_vs_pseudo"] = g;
  return Emit(a, out, j.dump(1) + "\n");
}

Status RunSusy(const CommandLine& a, std::ostream& out) {
  if (a.words().empty() || a.words().size() > 2) {
    return Fail(Error::InvalidArgument("susy takes FILE (or, for --input openface, FILE FILE2)"));
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::string format, GetFormat(a));
  RAPPORT_ASSIGN_OR_RETURN(const DyadSeries series,
                           LoadSession(a, a.words()[0], a.words().size() > 1 ? a.words()[1] : ""));
  SusyOptions o;
  o.fps = series.fps;
  RAPPORT_ASSIGN_OR_RETURN(o.segment_seconds, GetNumber(a, "--segment", 30));
  RAPPORT_ASSIGN_OR_RETURN(o.max_lag_seconds, GetNumber(a, "--max-lag", 3));
  RAPPORT_ASSIGN_OR_RETURN(const SusyResult r, ComputeSusy(series, o));
  const std::vector<std::pair<const char*, double>> fields = {
      {"Zabs", r.zabs},
      {"Zabs_pseudo", r.pseudo_zabs_mean},
      {"SD_Zabs", r.sd_zabs},
      {"SD_Zabs_pseudo", r.sd_pseudo_zabs},
      {"ES_abs", r.es_abs},
      {"Z", r.z},
      {"Z_pseudo", r.pseudo_z_mean},
      {"SD_Z", r.sd_z},
      {"SD_Z_pseudo", r.sd_pseudo_z},
      {"ES", r.es},
      {"percent_above_pseudo_abs", r.percent_above_pseudo_abs},
      {"percent_above_pseudo", r.percent_above_pseudo},
      {"Zabs_lead1", r.zabs_lead1},
      {"Zabs_lead2", r.zabs_lead2},
      {"ES_abs_lead1", r.es_abs_lead1},
      {"ES_abs_lead2", r.es_abs_lead2},
      {"segments", r.n_segments},
      {"lags", r.n_lags}};
  if (format == "csv") {
    std::string header, row;
    for (const auto& [name, value] : fields) {
      header += (header.empty() ? "" : ",") + std::string(name);
      row += (row.empty() ? "" : ",") + Number(value);
    }
    return Emit(a, out, header + "\n" + row + "\n");
  }
  Json j;
  j["file"] = a.words()[0];
  j["segment_seconds"] = o.segment_seconds;
  j["max_lag_seconds"] = o.max_lag_seconds;
  for (const auto& [name, value] : fields) j[name] = JsonNumber(value);
  j["per_lag"] = {{"real_zabs", JsonSeries(r.real_zabs)},
                  {"real_z", JsonSeries(r.real_z)},
                  {"pseudo_zabs", JsonSeries(r.pseudo_zabs)},
                  {"pseudo_z", JsonSeries(r.pseudo_z)}};
  return Emit(a, out, j.dump(1) + "\n");
}

}  // namespace

int RunSyncCommand(Args args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    (args.empty() ? err : out) << kSyncUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string& sub = args[0];
  if (sub == "mea") {
    // The program's main() runs rapport-mea (cli/mea/) for it: only that one loads FFmpeg.
    err << "rapport sync mea: motion energy from video runs in its own program, rapport-mea, "
           "which the rapport command starts from beside it\n";
    return 1;
  }
  if (sub != "ccf" && sub != "batch" && sub != "susy") {
    err << fmt::format("rapport sync: unknown subcommand '{}'\n\n{}", sub, kSyncUsage);
    return 2;
  }
  const std::unique_ptr<CommandLine> parsed = SyncLine(sub);
  if (auto stop = parsed->Read(args.subspan(1), out, err)) return *stop;
  Status status = sub == "ccf"     ? RunCcf(*parsed, out)
                  : sub == "batch" ? RunBatch(*parsed, out)
                                   : RunSusy(*parsed, out);
  if (!status) {
    err << fmt::format("rapport sync {}: {}\n", sub, status.error().message);
    return status.error().code == ErrorCode::kInvalidArgument && !status.error().fields.empty() ? 2
                                                                                                : 1;
  }
  return 0;
}

}  // namespace rapport
