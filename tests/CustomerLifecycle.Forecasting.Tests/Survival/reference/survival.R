# Reference values for CoxRegressionTests and LogRankTests, computed with R's survival package.
# Run: Rscript survival.R   (R 4.2.2, survival 3.5.3 were used for the numbers in the tests)
# It writes the three published data sets the tests read (lung, veteran, ovarian: shipped with survival; see
# ?lung, ?veteran, ?ovarian for their sources) and prints each model's figures.
library(survival)
options(digits = 15)

lung2 <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog", "inst")])
write.csv(data.frame(time = lung2$time, event = as.integer(lung2$status == 2), age = lung2$age, sex = lung2$sex,
                     ph_ecog = lung2$ph.ecog, inst = lung2$inst), "lung.csv", row.names = FALSE)
write.csv(data.frame(time = veteran$time, event = veteran$status, trt = veteran$trt, karno = veteran$karno,
                     diagtime = veteran$diagtime, age = veteran$age, prior = veteran$prior,
                     smallcell = as.integer(veteran$celltype == "smallcell"), adeno = as.integer(veteran$celltype == "adeno"),
                     large = as.integer(veteran$celltype == "large"), celltype = as.character(veteran$celltype)),
          "veteran.csv", row.names = FALSE)
write.csv(data.frame(time = ovarian$futime, event = ovarian$fustat, age = ovarian$age, ecog_ps = ovarian$ecog.ps,
                     rx = ovarian$rx, resid_ds = ovarian$resid.ds), "ovarian.csv", row.names = FALSE)

show <- function(name, fit) {
  s <- summary(fit)
  cat(name, "\n")
  cat("  coef", coef(fit), "\n")
  cat("  se", sqrt(diag(vcov(fit))), "\n")
  cat("  loglik", fit$loglik, "\n")
  cat("  lrt", s$logtest, "\n")
  cat("  wald", fit$wald.test, pchisq(fit$wald.test, length(coef(fit)), lower.tail = FALSE), "\n")
  cat("  score", s$sctest, "\n")
  cat("  concordance", fit$concordance, "\n")
  cat("  iter", fit$iter, "\n")
  if (!is.null(fit$naive.var)) cat("  robust_se", sqrt(diag(fit$var)), "\n")
}

show("lung_efron", coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2))
show("lung_breslow", coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, ties = "breslow"))
show("veteran_efron", coxph(Surv(time, status) ~ trt + karno + diagtime + age + prior + celltype, data = veteran))
show("ovarian_efron", coxph(Surv(futime, fustat) ~ age + ecog.ps, data = ovarian))
show("ovarian_breslow", coxph(Surv(futime, fustat) ~ age + ecog.ps, data = ovarian, ties = "breslow"))
show("lung_robust", coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, robust = TRUE))
# Predicted survival for age 60, male, ECOG 1 (CoxModel.PredictSurvival), Efron and Breslow baselines.
for (ties in c("efron", "breslow")) {
  sf <- survfit(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, ties = ties), newdata = data.frame(age = 60, sex = 1, ph.ecog = 1))
  s <- summary(sf, times = c(5, 100, 365, 700))
  cat(ties, "surv", s$surv, "cumhaz", s$cumhaz, "last", tail(sf$surv[sf$n.event > 0], 1), "\n")
}
# One binary covariate: ties in risk, and in both time and risk (CoxConcordance.TiedTimeAndRisk is tied.xy).
print(coxph(Surv(time, status) ~ trt, data = veteran)$concordance)
print(coxph(Surv(time, status) ~ prior, data = veteran)$concordance)
# With a robust variance, summary() switches z, Pr(>|z|) and the confidence limits to it (CoxCoefficient.RobustZ, ...).
print(summary(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, robust = TRUE))$coefficients)
print(summary(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, robust = TRUE))$conf.int)

# Generated: the same integer arithmetic as CoxRegressionTests.Generated(); times on a coarse grid, so with many ties.
i <- 0:1999
x1 <- ((i * 37) %% 101) / 10
x2 <- ((i * 53 + 17) %% 97) / 20
x3 <- (i * 11) %% 2
u <- (((i * 7919 + 13) %% 1000) + 0.5) / 1000
eta <- 0.3 * x1 - 0.5 * x2 + 0.8 * x3
t <- ceiling(-log(u) / exp(eta - 2) / 5)
c <- 1 + ((i * 31) %% 40)
gen <- data.frame(time = pmin(t, c), event = as.integer(t <= c), x1, x2, x3)
show("generated_efron", coxph(Surv(time, event) ~ x1 + x2 + x3, data = gen))
show("generated_breslow", coxph(Surv(time, event) ~ x1 + x2 + x3, data = gen, ties = "breslow"))
cat("generated_events", sum(gen$event), "distinct_times", length(unique(gen$time)), "\n")

lr <- function(name, d) {
  cat(name, "\n")
  cat("  n", d$n, "\n")
  cat("  obs", if (is.matrix(d$obs)) rowSums(d$obs) else d$obs, "\n")
  cat("  exp", if (is.matrix(d$exp)) rowSums(d$exp) else d$exp, "\n")
  cat("  var_diag", diag(d$var), "\n")
  cat("  chisq", d$chisq, "p", pchisq(d$chisq, length(d$n) - 1, lower.tail = FALSE), "\n")
}
lr("lung_sex", survdiff(Surv(time, status) ~ sex, data = lung2))
lr("lung_sex_peto", survdiff(Surv(time, status) ~ sex, data = lung2, rho = 1))
lr("veteran_celltype", survdiff(Surv(time, status) ~ celltype, data = veteran))
lr("veteran_celltype_peto", survdiff(Surv(time, status) ~ celltype, data = veteran, rho = 1))
lr("veteran_celltype_by_trt", survdiff(Surv(time, status) ~ celltype + strata(trt), data = veteran))
lr("ovarian_rx", survdiff(Surv(futime, fustat) ~ rx, data = ovarian))

# The proportional-hazards test (cox.zph, one test per coefficient: terms = FALSE), for CoxRegressionTests.
zph <- function(name, fit, transform = "km") {
  z <- cox.zph(fit, transform = transform, terms = FALSE)
  cat(name, "\n")
  cat("  chisq", z$table[, "chisq"], "\n")
  cat("  p", z$table[, "p"], "\n")
}
zph("zph_lung_km", coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2))
zph("zph_lung_identity", coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2), "identity")
zph("zph_lung_rank", coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2), "rank")
zph("zph_lung_log", coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2), "log")
zph("zph_lung_breslow_km", coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, ties = "breslow"))
zph("zph_veteran_km", coxph(Surv(time, status) ~ trt + karno + diagtime + age + prior + celltype, data = veteran))
zph("zph_generated_km", coxph(Surv(time, event) ~ x1 + x2 + x3, data = gen))

# CoxDataTests: start–stop rows (heart), strata, case weights, clusters (heart, rats), residuals, predicted curves'
# intervals. heart.csv and rats.csv are written from the package's data sets (?heart: Crowley and Hu 1977; ?rats:
# Mantel et al. 1977); heart's transplant is the 0/1 of its factor.
write.csv(data.frame(id = heart$id, start = heart$start, stop = heart$stop, event = heart$event, age = heart$age,
                     year = heart$year, surgery = heart$surgery, transplant = as.integer(heart$transplant == "1")),
          "heart.csv", row.names = FALSE)
write.csv(data.frame(litter = rats$litter, rx = rats$rx, time = rats$time, status = rats$status, sex = rats$sex),
          "rats.csv", row.names = FALSE)
show2 <- function(name, fit) {
  s <- summary(fit)
  cat(name, "\n")
  cat("  coef", coef(fit), "\n")
  cat("  se", sqrt(diag(vcov(fit))), "\n")
  if (!is.null(fit$naive.var)) cat("  naive_se", sqrt(diag(fit$naive.var)), "\n")
  cat("  loglik", fit$loglik, "\n")
  cat("  lrt", s$logtest, "\n")
  cat("  wald", fit$wald.test, "\n")
  cat("  score", s$sctest, "\n")
  if (!is.null(s$robscore)) cat("  robscore", s$robscore, "\n")
  cat("  concordance", fit$concordance, "\n")
  cat("  n", fit$n, fit$nevent, "iter", fit$iter, "\n")
}
heart_fit <- coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = heart)
show2("heart_efron", heart_fit)
show2("heart_breslow", coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = heart, ties = "breslow"))
show2("heart_cluster", coxph(Surv(start, stop, event) ~ age + year + surgery + transplant + cluster(id), data = heart))
strata_fit <- coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), data = lung2)
show2("lung_strata", strata_fit)
w <- 0.5 + (seq_len(nrow(lung2)) %% 4) / 2
weighted_fit <- coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, weights = w)
show2("lung_weights", weighted_fit)
show2("rats_cluster", coxph(Surv(time, status) ~ rx + cluster(litter), data = rats))
show2("heart_strata_cluster", coxph(Surv(start, stop, event) ~ age + year + transplant + strata(surgery) + cluster(id), data = heart))
zph("zph_heart_km", heart_fit)
zph("zph_heart_identity", heart_fit, "identity")
zph("zph_heart_rank", heart_fit, "rank")
zph("zph_lung_strata_km", strata_fit)
zph("zph_lung_weights_km", weighted_fit)
zph("zph_lung_weights_identity", weighted_fit, "identity")

lung_fit <- coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2)
rows <- c(1, 2, 50, 226)
cat("lung martingale", residuals(lung_fit, "martingale")[rows], "\n")
cat("lung deviance", residuals(lung_fit, "deviance")[rows], "\n")
cat("lung score", t(residuals(lung_fit, "score")[rows, ]), "\n")
sch <- residuals(lung_fit, "schoenfeld"); ssch <- residuals(lung_fit, "scaledsch")
ev <- which(lung2$status == 2); ord <- ev[order(lung2$time[ev])]
cat("lung schoenfeld rows", ord[c(1, 2, 100, 163)], "times", rownames(sch)[c(1, 2, 100, 163)], "\n")
cat("lung schoenfeld", t(sch[c(1, 2, 100, 163), ]), "\n")
cat("lung scaledsch", t(ssch[c(1, 2, 100, 163), ]), "\n")
rows <- c(1, 2, 3, 100, 172)
cat("heart martingale", residuals(heart_fit, "martingale")[rows], "\n")
cat("heart score", t(residuals(heart_fit, "score")[rows, ]), "\n")
cat("strata martingale", residuals(strata_fit, "martingale")[c(1, 2, 226)], "\n")
sch <- residuals(strata_fit, "schoenfeld")
ord <- ev[order(lung2$sex[ev], lung2$time[ev])]
cat("strata schoenfeld first", sch[1, ], "last", sch[nrow(sch), ], "rows", ord[1], ord[length(ord)], "\n")

new60 <- data.frame(age = 60, sex = 1, ph.ecog = 1)
for (ties in c("efron", "breslow")) {
  s <- summary(survfit(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, ties = ties), newdata = new60), times = c(5, 100, 365, 700))
  cat("ci", ties, "se", s$std.err, "lower", s$lower, "upper", s$upper, "\n")
}
s <- summary(survfit(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, robust = TRUE), newdata = new60), times = c(5, 100, 365, 700))
cat("ci robust se", s$std.err, "\n")
s <- summary(survfit(weighted_fit, newdata = new60), times = c(100, 365))
cat("ci weighted surv", s$surv, "se", s$std.err, "\n")
s <- summary(survfit(strata_fit, newdata = data.frame(age = 60, ph.ecog = 1)), times = c(100, 365))
cat("ci strata surv", s$surv, "se", s$std.err, "lower", s$lower, "upper", s$upper, "\n")
s <- summary(survfit(heart_fit, newdata = data.frame(age = -5, year = 3, surgery = 0, transplant = factor(1, levels = 0:1))), times = c(10, 100, 1000))
cat("ci heart surv", s$surv, "cumhaz", s$cumhaz, "se", s$std.err, "\n")

# An offset (CoxDataTests.Lung_WithAnOffset_MatchesCoxph): off = 0.3 × ph.ecog, coefficient 1.
lung2$off <- 0.3 * lung2$ph.ecog
offset_fit <- coxph(Surv(time, status) ~ age + sex + offset(off), data = lung2)
show2("lung_offset", offset_fit)
cat("offset martingale", residuals(offset_fit, "martingale")[c(1, 2, 226)], "\n")
zph("zph_lung_offset", offset_fit)
s <- summary(survfit(offset_fit, newdata = data.frame(age = 60, sex = 1, off = 0.3)), times = c(100, 365))
cat("offset surv", s$surv, "se", s$std.err, "\n")
