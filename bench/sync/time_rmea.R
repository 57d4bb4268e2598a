# Times rMEA's MEAccf on one MEA file (25 fps; 60 s window, 30 s increment, +-5 s lag, Fisher z,
# absolute), sourcing rMEA from a local source checkout. Prints the median of RUNS timings.
#   Rscript time_rmea.R RMEA_SOURCE_DIR FILE [RUNS]
args <- commandArgs(trailingOnly = TRUE)
for (f in list.files(file.path(args[1], "R"), pattern = "\\.R$", full.names = TRUE)) {
  suppressMessages(source(f))
}
runs <- if (length(args) >= 3) as.integer(args[3]) else 3
d <- read.table(args[2], header = FALSE)
mea <- MEA(data.frame(s1 = as.numeric(d[[1]]), s2 = as.numeric(d[[2]])), sampRate = 25,
           id = "x", session = "1", group = "g", s1Name = "p1", s2Name = "p2")
times <- sapply(seq_len(runs), function(i) {
  system.time(invisible(capture.output(
    MEAccf(mea, lagSec = 5, winSec = 60, incSec = 30, r2Z = TRUE, ABS = TRUE))))[["elapsed"]]
})
cat(sprintf("rmea_meaccf_seconds %.4f\n", median(times)))
