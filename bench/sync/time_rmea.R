# Times rMEA's MEAccf on one MEA file (25 fps; 60 s window, 30 s increment, +-5 s lag, Fisher z,
# absolute), and the whole task as an rMEA user runs it: readMEA on a folder holding the file,
# MEAccf, and writeMEA of the ccf table as CSV. RMEA is either a local rMEA source checkout (its
# R/ folder is sourced) or an R library folder where rMEA is installed (readMEA needs the
# data.table package). Prints the median of RUNS timings of each.
#   Rscript time_rmea.R RMEA FILE [RUNS]
args <- commandArgs(trailingOnly = TRUE)
if (dir.exists(file.path(args[1], "R"))) {
  for (f in list.files(file.path(args[1], "R"), pattern = "\\.R$", full.names = TRUE)) {
    suppressMessages(source(f))
  }
} else {
  suppressMessages(library(rMEA, lib.loc = args[1]))
}
runs <- if (length(args) >= 3) as.integer(args[3]) else 3
d <- read.table(args[2], header = FALSE)
mea <- MEA(data.frame(s1 = as.numeric(d[[1]]), s2 = as.numeric(d[[2]])), sampRate = 25,
           id = "x", session = "1", group = "g", s1Name = "p1", s2Name = "p2")
# No capture.output() around the call: it slows MEAccf down about tenfold.
timings <- sapply(seq_len(runs), function(i) {
  t <- system.time(res <- MEAccf(mea, lagSec = 5, winSec = 60, incSec = 30, r2Z = TRUE,
                                 ABS = TRUE))
  c(elapsed = t[["elapsed"]], cpu = t[["user.self"]] + t[["sys.self"]])
})
cat(sprintf("rmea_meaccf_seconds %.4f cpu_seconds %.4f\n", median(timings["elapsed", ]),
            median(timings["cpu", ])))

# The whole task. readMEA takes a folder and reads the dyad's id and session from the file name.
input <- file.path(tempdir(), "rmea_in")
output <- file.path(tempdir(), "rmea_out")
dir.create(input, showWarnings = FALSE)
dir.create(output, showWarnings = FALSE)
invisible(file.copy(args[2], file.path(input, "dyad_1.txt"), overwrite = TRUE))
task <- sapply(seq_len(runs), function(i) {
  sink(nullfile())  # the progress bars, which would fill the benchmark's output
  t <- system.time({
    m <- readMEA(input, s1Col = 1, s2Col = 2, sampRate = 25, idOrder = c("id", "session"),
                 idSep = "_", header = FALSE)
    r <- MEAccf(m, lagSec = 5, winSec = 60, incSec = 30, r2Z = TRUE, ABS = TRUE)
    writeMEA(r, output, what = "ccf", sep = ",")
  })
  sink()
  c(elapsed = t[["elapsed"]], cpu = t[["user.self"]] + t[["sys.self"]])
})
cat(sprintf("rmea_task_seconds %.4f cpu_seconds %.4f\n", median(task["elapsed", ]),
            median(task["cpu", ])))
