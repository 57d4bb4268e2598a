# Writes synthetic MEA sessions for the agreement check and the benchmark: 25 fps, two columns,
# pixel-count-like values (non-negative integers with still stretches at zero), person 2 partly
# following person 1 by 0.4 s, and scattered missing values. Deterministic (set.seed).
#   Rscript make_synthetic.R OUT_DIR MINUTES SEED [MISSING_FRACTION]
args <- commandArgs(trailingOnly = TRUE)
out_dir <- args[1]; minutes <- as.numeric(args[2]); seed <- as.integer(args[3])
missing <- if (length(args) >= 4) as.numeric(args[4]) else 0.001
set.seed(seed)
n <- minutes * 60 * 25
a <- as.numeric(arima.sim(list(ar = 0.95), n))
b <- 0.6 * c(rep(0, 10), a[1:(n - 10)]) + 0.8 * as.numeric(arima.sim(list(ar = 0.9), n))
s1 <- pmax(0, round(400 * a + 200))
s2 <- pmax(0, round(300 * b + 100))
s1[runif(n) < missing] <- NA
s2[runif(n) < missing] <- NA
path <- file.path(out_dir, sprintf("synthetic_%dmin_seed%d.txt", minutes, seed))
write.table(data.frame(s1, s2), path, row.names = FALSE, col.names = FALSE, na = "NA")
cat(path, "\n")
