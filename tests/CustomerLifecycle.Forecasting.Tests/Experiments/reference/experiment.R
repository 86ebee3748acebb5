# Reference values for ExperimentAnalysisTests, computed with R 4.2.2 and survival 3.5.3.
# Run: Rscript experiment.R. The data are the same integer arithmetic as ExperimentAnalysisTests.Generated().
library(survival)
options(digits = 15)
i <- 0:599
treated <- as.integer(((i * 7 + 3) %% 10) < 7)
stratum <- c("SMB", "Mid", "Ent")[(i %% 3) + 1]
decided <- (i %% 2) == 0
renewed <- ((i * 31 + 7) %% 100) < ifelse(treated == 1, 80, 70)
u <- (((i * 7919 + 13) %% 1000) + 0.5) / 1000
rate <- ifelse(treated == 1, 0.0015, 0.0022) * c(1.5, 1, 0.6)[(i %% 3) + 1]
days <- ceiling(-log(u) / rate)
event <- as.integer(days <= 180)
time <- pmin(days, 180)
start <- 30 + ((i * 13) %% 50)
after <- start + ((i * 17) %% 21) - 10 + ifelse(treated == 1, 3, 0)
cat("renewals", sum(renewed[decided & treated == 1]), sum(decided & treated == 1), sum(renewed[decided & treated == 0]), sum(decided & treated == 0), "\n")
pt <- prop.test(c(sum(renewed[decided & treated == 1]), sum(renewed[decided & treated == 0])), c(sum(decided & treated == 1), sum(decided & treated == 0)))
cat("prop.test", pt$statistic, pt$p.value, pt$conf.int, pt$estimate, "\n")
sd <- survdiff(Surv(time, event) ~ treated + strata(stratum))
cat("survdiff", sd$chisq, pchisq(sd$chisq, 1, lower.tail = FALSE), "\n")
cx <- summary(coxph(Surv(time, event) ~ treated + strata(stratum)))
cat("coxph", cx$conf.int[1, c(1, 3, 4)], cx$coefficients[1, 5], "events", sum(event[treated == 1]), sum(event[treated == 0]), "\n")
tt <- t.test((after - start)[treated == 1], (after - start)[treated == 0])
cat("t.test", tt$statistic, tt$parameter, tt$p.value, tt$conf.int, tt$estimate, "\n")
# Power of a five-point lift on a 70 % renewal rate with 100 accounts an arm (ExperimentAnalysisTests.Power...).
cat("power.prop.test", power.prop.test(n = 100, p1 = 0.7, p2 = 0.75)$power, "\n")
# Renewals needed per arm for a five-point lift on 70 % at 80 % power, equal arms (ExperimentAnalysisTests.Plan...).
cat("power.prop.test n", power.prop.test(p1 = 0.7, p2 = 0.75, power = 0.8)$n, "\n")
