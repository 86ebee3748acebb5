# Reference values for HealthCalibratorTests, computed with R's glm and wilcox.test.
# Run: Rscript calibration.R   (R 4.2.2 was used for the numbers in the test)
# The data set is the one HealthCalibratorTests.Dataset() builds, with the same integer arithmetic.
i  <- 0:299
x1 <- (i * 37) %% 101
x2 <- (i * 53 + 17) %% 97
u  <- (((i * 7919 + 13) %% 1000) + 0.5) / 1000
eta <- -4 + 0.05 * x1 + 0.03 * x2
renewed <- u < 1 / (1 + exp(-eta))
score <- (2 * x1 + x2) / 3          # scorecard: x1 weight 2, x2 weight 1, identity mappings

auc <- function(s, y) unname(wilcox.test(s[y], s[!y], exact = FALSE)$statistic) / (sum(y) * sum(!y))
fit <- glm(renewed ~ x1 + x2, family = binomial)
options(digits = 15)
cat("renewed", sum(renewed), "churned", sum(!renewed), "\n")
cat("auc_score", auc(score, renewed), "\n")
cat("auc_x1", auc(x1, renewed), "\n")
cat("auc_x2", auc(x2, renewed), "\n")
cat("coef", coef(fit), "\n")
cat("loglik", as.numeric(logLik(fit)), "\n")
cat("auc_fitted", auc(predict(fit), renewed), "\n")
