# Agreement check: rapport sync ccf --rmea-compat against rMEA's MEAccf on the same sessions.
# Needs R and a local copy of rMEA's source (its R/ folder is sourced; nothing is installed or
# downloaded). Usage (see agreement.sh):
#   Rscript compare_rmea.R RMEA_SOURCE_DIR RAPPORT_BINARY OUT_DIR FILE...
# Each FILE is an MEA text file (25 fps, person 1 in column 1, person 2 in column 2).
# Prints one line per session and setting with the largest absolute difference between the two
# window x lag matrices, and whether their missing cells coincide.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 4) stop("usage: compare_rmea.R RMEA_SOURCE_DIR RAPPORT_BINARY OUT_DIR FILE...")
rmea_dir <- args[1]; rapport <- args[2]; out_dir <- args[3]; files <- args[-(1:3)]
for (f in list.files(file.path(rmea_dir, "R"), pattern = "\\.R$", full.names = TRUE)) {
  suppressMessages(source(f))
}

settings <- list(
  list(name = "r",              r2Z = FALSE, ABS = FALSE, smooth = NA,  scale = FALSE),
  list(name = "|z|",            r2Z = TRUE,  ABS = TRUE,  smooth = NA,  scale = FALSE),
  list(name = "smooth0.5+scale+|z|", r2Z = TRUE, ABS = TRUE, smooth = 0.5, scale = TRUE)
)
worst <- 0
for (file in files) {
  d <- read.table(file, header = FALSE)
  for (s in settings) {
    mea <- MEA(data.frame(s1 = as.numeric(d[[1]]), s2 = as.numeric(d[[2]])), sampRate = 25,
               id = "x", session = "1", group = "g", s1Name = "p1", s2Name = "p2")
    if (!is.na(s$smooth)) invisible(capture.output(mea <- MEAsmooth(mea, s$smooth)))
    if (s$scale) invisible(capture.output(mea <- MEAscale(mea)))
    invisible(capture.output(res <- MEAccf(mea, lagSec = 5, winSec = 60, incSec = 30,
                                           r2Z = s$r2Z, ABS = s$ABS)))
    ref <- as.matrix(res$ccf)
    out <- file.path(out_dir, "rapport_ccf.csv")
    cli <- c("sync", "ccf", file, "--fps", "25", "--lag", "5", "--window", "60",
             "--increment", "30", "--rmea-compat", "--out", out)
    if (s$r2Z) cli <- c(cli, "--fisher-z")
    if (s$ABS) cli <- c(cli, "--abs")
    if (!is.na(s$smooth)) cli <- c(cli, "--smooth", s$smooth)
    if (s$scale) cli <- c(cli, "--scale")
    status <- system2(rapport, cli)
    if (status != 0) stop("rapport failed on ", file)
    ours <- as.matrix(read.csv(out, check.names = FALSE, na.strings = "NA")[, -1])
    if (!all(dim(ours) == dim(ref))) stop("shapes differ for ", file, ": ",
                                         paste(dim(ours), collapse = "x"), " vs ",
                                         paste(dim(ref), collapse = "x"))
    same_missing <- all(is.na(ours) == is.na(ref))
    diff <- max(abs(ours - ref), na.rm = TRUE)
    worst <- max(worst, diff)
    cat(sprintf("%-28s %-22s %4d windows x %3d lags  max |diff| = %.3e  missing cells agree: %s\n",
                basename(file), s$name, nrow(ref), ncol(ref), diff, same_missing))
  }
}
cat(sprintf("worst max |diff| over all sessions and settings: %.3e\n", worst))
