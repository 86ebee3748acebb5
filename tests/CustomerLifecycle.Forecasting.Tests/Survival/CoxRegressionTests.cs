namespace CustomerLifecycle.Forecasting.Tests.Survival;

/// <summary>
/// Checked against R 4.2.2, survival 3.5.3, <c>coxph</c> (the commands and their output: <c>reference/survival.R</c>), on
/// the lung, veteran and ovarian data sets and on generated data with many ties, to 1e-6 relative.
/// </summary>
public sealed class CoxRegressionTests
{
    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");

    private static void AssertModel(CoxModel model, double[] coef, double[] se, double[] loglik, double lrt, double wald, double score, (long Concordant, long Discordant, long TiedRisk, long TiedTime, double C) concordance)
    {
        Assert.Equal(coef.Length, model.Coefficients.Count);
        for (var j = 0; j < coef.Length; j++)
        {
            Close(coef[j], model.Coefficients[j].Coefficient, $"coefficient {model.Coefficients[j].Name}");
            Close(se[j], model.Coefficients[j].StandardError, $"standard error {model.Coefficients[j].Name}");
            Close(Math.Exp(coef[j]), model.Coefficients[j].HazardRatio, "hazard ratio");
        }

        Close(loglik[0], model.NullLogLikelihood, "null log-likelihood");
        Close(loglik[1], model.LogLikelihood, "log-likelihood");
        Close(lrt, model.LikelihoodRatio.Statistic, "likelihood-ratio test");
        Close(wald, model.Wald.Statistic, "Wald test");
        Close(score, model.Score.Statistic, "score test");
        Assert.Equal(coef.Length, model.LikelihoodRatio.DegreesOfFreedom);
        Assert.Equal((concordance.Concordant, concordance.Discordant, concordance.TiedRisk, concordance.TiedTime), (model.Concordance.Concordant, model.Concordance.Discordant, model.Concordance.TiedRisk, model.Concordance.TiedTime));
        Close(concordance.C, model.Concordance.Value, "concordance");
    }

    private static CoxCovariate[] LungCovariates() => [ReferenceData.Lung.Covariate("age"), ReferenceData.Lung.Covariate("sex"), ReferenceData.Lung.Covariate("ph_ecog")];

    [Fact]
    public void Lung_Efron_MatchesCoxph()
    {
        // coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2)
        var model = CoxRegression.Fit(ReferenceData.Lung.Observations, LungCovariates());
        AssertModel(
            model,
            [0.011232164214821, -0.556593413976612, 0.469216397079841],
            [0.00926210540521359, 0.168071030875402, 0.114290402159999],
            [-739.374983685165, -724.119253118481],
            30.5114611333677,
            29.9263695283908,
            30.4874810490109,
            (12434, 7040, 126, 28, 0.637602040816327));
        Assert.Equal(1.07716947082449e-06, model.LikelihoodRatio.PValue, 1.07716947082449e-12);
        Assert.Equal(1.4301597847767e-06, model.Wald.PValue, 1.4301597847767e-12);
        Assert.Equal(1.08975969191182e-06, model.Score.PValue, 1.08975969191182e-12);
        Assert.Equal((226, 163, 3), (model.Subjects, model.Events, model.Iterations)); // fit$n, fit$nevent, fit$iter
        Close(0.0251958304983423, model.Concordance.StandardError, "concordance standard error"); // sqrt(fit$concordance["var"])

        // summary(fit)$coefficients[, "Pr(>|z|)"] and summary(fit)$conf.int.
        double[] p = [2.25244168618454e-01, 9.27455610148014e-04, 4.03484794834366e-05];
        double[] lower = [0.993102667740716, 0.412298951906846, 1.277891335145522];
        double[] upper = [1.029821573094396, 0.796777152960408, 2.000148582583106];
        for (var j = 0; j < 3; j++)
        {
            Assert.Equal(p[j], model.Coefficients[j].PValue, p[j] * 1e-6);
            Close(lower[j], model.Coefficients[j].Lower, "lower .95");
            Close(upper[j], model.Coefficients[j].Upper, "upper .95");
        }
    }

    [Fact]
    public void Lung_Breslow_MatchesCoxph()
    {
        var model = CoxRegression.Fit(ReferenceData.Lung.Observations, LungCovariates(), new CoxOptions { Ties = CoxTies.Breslow });
        AssertModel(
            model,
            [0.0112049244162723, -0.555825451347549, 0.468378658304874],
            [0.00926152005440592, 0.168074257696772, 0.114286018122822],
            [-739.588257902221, -724.380860757253],
            30.4147942899367,
            29.8320952968858,
            30.3899430181585,
            (12434, 7040, 126, 28, 0.637602040816327));
    }

    [Fact]
    public void Lung_Robust_MatchesCoxphRobust()
    {
        // coxph(..., robust = TRUE): the sandwich errors from the score residuals, with Efron's ties.
        var model = CoxRegression.Fit(ReferenceData.Lung.Observations, LungCovariates(), new CoxOptions { Robust = true });
        double[] robust = [0.0098577313423512, 0.165760217637184, 0.126192388309577];
        for (var j = 0; j < 3; j++)
        {
            Close(robust[j], model.Coefficients[j].RobustStandardError!.Value, $"robust standard error {model.Coefficients[j].Name}");
            Close(robust[j] * robust[j], model.RobustCovariance(j, j), "robust variance");
        }

        Close(23.1721726029482, model.RobustWald!.Value.Statistic, "robust Wald test");
        Assert.Equal(3.71797637330424e-05, model.RobustWald.Value.PValue, 3.71797637330424e-11);
        var modelBased = CoxRegression.Fit(ReferenceData.Lung.Observations, LungCovariates()).Coefficients[0];
        Assert.Null(modelBased.RobustStandardError);
        Assert.Null(modelBased.RobustZ);
        Assert.Null(modelBased.RobustPValue);
        Assert.Null(modelBased.RobustLower);
    }

    [Theory]
    [InlineData(CoxTies.Efron, new[] { 0.995062570741748, 0.849682349624432, 0.336292256408203, 0.0880423730627663 }, new[] { 0.00494965863314805, 0.162892705667583, 1.08977468634638, 2.42993706831678 }, 0.02485991979208)]
    [InlineData(CoxTies.Breslow, new[] { 0.99506219793999, 0.849955184725506, 0.336989442417764, 0.0883932713572219 }, new[] { 0.00495003328479172, 0.162571654740071, 1.08770367725771, 2.42595942810403 }, 0.0249669396174193)]
    public void Lung_PredictedSurvival_MatchesSurvfit(CoxTies ties, double[] survival, double[] cumulativeHazard, double last)
    {
        // R 4.2.2, survival 3.5.3: survfit(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, ties = ...),
        // newdata = data.frame(age = 60, sex = 1, ph.ecog = 1)); summary(sf, times = c(5, 100, 365, 700)) gives the
        // curve at the last event time at or before each; 137 event times, the last 883 days.
        var model = CoxRegression.Fit(ReferenceData.Lung.Observations, LungCovariates(), new CoxOptions { Ties = ties });
        var curve = model.PredictSurvival([60, 1, 1]);
        Assert.Equal(137, curve.Count);
        Assert.Equal(883, curve[^1].Time);
        Close(last, curve[^1].Survival, "survival at the last event time");
        double[] times = [5, 100, 365, 700];
        for (var k = 0; k < times.Length; k++)
        {
            var point = curve.Last(c => c.Time <= times[k]);
            Close(survival[k], point.Survival, $"survival at {times[k]}");
            Close(cumulativeHazard[k], point.CumulativeHazard, $"cumulative hazard at {times[k]}");
        }

        Assert.True(curve.Zip(curve.Skip(1), (a, b) => a.Time < b.Time && a.Survival >= b.Survival).All(ok => ok));
        Assert.Throws<ArgumentException>(() => model.PredictSurvival([60, 1]));
        Assert.Throws<ArgumentException>(() => model.PredictSurvival([double.NaN, 1, 1]));
    }

    [Theory]
    [InlineData("trt", 2442, 1995, 4367, 18, 21, 0.525386188096320)]
    [InlineData("prior", 1775, 1873, 5156, 15, 24, 0.494434348023626)]
    public void Veteran_OneBinaryCovariate_CountsTiesAsRsConcordance(string covariate, long concordant, long discordant, long tiedX, long tiedY, long tiedXY, double c)
    {
        // R 4.2.2, survival 3.5.3: coxph(Surv(time, status) ~ trt, data = veteran)$concordance (and ~ prior): with one
        // binary covariate most pairs tie in risk, and some events tie in both time and risk (tied.xy), which R counts
        // apart from those tied in time alone (tied.y).
        var model = CoxRegression.Fit(ReferenceData.Veteran.Observations, [ReferenceData.Veteran.Covariate(covariate)]);
        Assert.Equal((concordant, discordant, tiedX, tiedY, tiedXY), (model.Concordance.Concordant, model.Concordance.Discordant, model.Concordance.TiedRisk, model.Concordance.TiedTime, model.Concordance.TiedTimeAndRisk));
        Assert.Equal(c, model.Concordance.Value, 12);
        if (covariate == "trt")
        {
            Close(0.0260112495433415, model.Concordance.StandardError, "concordance standard error");
        }
    }

    [Fact]
    public void Lung_Robust_ZPAndIntervals_AreRsWithRobustTrue()
    {
        // R 4.2.2, survival 3.5.3: summary(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, robust = TRUE)).
        // With a robust variance R's z, Pr(>|z|), lower .95 and upper .95 use it; ours are RobustZ, RobustPValue,
        // RobustLower and RobustUpper, while Z, PValue, Lower and Upper stay model-based.
        var model = CoxRegression.Fit(ReferenceData.Lung.Observations, LungCovariates(), new CoxOptions { Robust = true });
        double[] z = [1.13942689496567, -3.35782265437708, 3.71826227687166];
        double[] p = [0.254525143613003102, 0.000785589982247620, 0.000200597942008318];
        double[] lower = [0.991943990792935, 0.414170534613921, 1.248426378290912];
        double[] upper = [1.031024494356229, 0.793176620773194, 2.047355444528224];
        for (var j = 0; j < 3; j++)
        {
            var c = model.Coefficients[j];
            Close(z[j], c.RobustZ!.Value, $"robust z {c.Name}");
            Assert.Equal(p[j], c.RobustPValue!.Value, p[j] * 1e-6);
            Close(lower[j], c.RobustLower!.Value, $"robust lower .95 {c.Name}");
            Close(upper[j], c.RobustUpper!.Value, $"robust upper .95 {c.Name}");
            Assert.Equal(c.Coefficient / c.StandardError, c.Z, 12);
        }
    }

    [Fact]
    public void Veteran_WithCellTypeIndicators_MatchesCoxph()
    {
        // coxph(Surv(time, status) ~ trt + karno + diagtime + age + prior + celltype, data = veteran): squamous the reference level.
        var data = ReferenceData.Veteran;
        var model = CoxRegression.Fit(
            data.Observations,
            [.. new[] { "trt", "karno", "diagtime", "age", "prior" }.Select(data.Covariate), .. CoxCovariate.Indicators("celltype", data.Text("celltype"), reference: "squamous").OrderBy(c => Array.IndexOf(["celltype=smallcell", "celltype=adeno", "celltype=large"], c.Name))]);
        AssertModel(
            model,
            [0.294602821507719, -0.0328153261943266, 8.13205130462307e-05, -0.00870647494578825, 0.00715936018951057, 0.861560462754754, 1.19606637417846, 0.401291654330668],
            [0.207549603603519, 0.00550775688646227, 0.00913606224777198, 0.00930029912031484, 0.0232305384067306, 0.275284474022692, 0.300916994493076, 0.282688638280855],
            [-505.449054918058, -474.397111714723],
            62.1038864066697,
            62.367268581939,
            66.7374711421159,
            (6480, 2324, 0, 39, 0.736029077691958));
        Assert.Equal(["trt", "karno", "diagtime", "age", "prior", "celltype=smallcell", "celltype=adeno", "celltype=large"], model.Coefficients.Select(c => c.Name));
    }

    [Fact]
    public void Ovarian_WithoutTies_EfronAndBreslowAgree_AndMatchCoxph()
    {
        var data = ReferenceData.Ovarian;
        foreach (var ties in new[] { CoxTies.Efron, CoxTies.Breslow })
        {
            var model = CoxRegression.Fit(data.Observations, [data.Covariate("age"), data.Covariate("ecog_ps")], new CoxOptions { Ties = ties });
            AssertModel(
                model,
                [0.161501220364668, 0.018661860233282],
                [0.0499225872610138, 0.599084587762436],
                [-34.9849403711626, -27.8376616960132],
                14.2945573502986,
                10.5423353817512,
                12.2605579149025,
                (171, 47, 0, 0, 0.784403669724771));
        }
    }

    /// <summary>The data survival.R generates with the same integer arithmetic: 2,000 subjects, 1,943 events on 19 distinct times.</summary>
    internal static (SurvivalObservation[] Observations, CoxCovariate[] Covariates) Generated(int count = 2000)
    {
        var observations = new SurvivalObservation[count];
        double[] x1 = new double[count], x2 = new double[count], x3 = new double[count];
        for (var i = 0; i < count; i++)
        {
            x1[i] = ((i * 37) % 101) / 10.0;
            x2[i] = (((i * 53) + 17) % 97) / 20.0;
            x3[i] = (i * 11) % 2;
            var u = ((((i * 7919) + 13) % 1000) + 0.5) / 1000;
            var eta = (0.3 * x1[i]) - (0.5 * x2[i]) + (0.8 * x3[i]);
            var t = Math.Ceiling(-Math.Log(u) / Math.Exp(eta - 2) / 5);
            var c = 1 + ((i * 31) % 40);
            observations[i] = new SurvivalObservation(Math.Min(t, c), t <= c);
        }

        return (observations, [new("x1", x1), new("x2", x2), new("x3", x3)]);
    }

    [Fact]
    public void Generated_WithManyTies_MatchesCoxph_BothWays()
    {
        var (observations, covariates) = Generated();
        Assert.Equal(1943, observations.Count(o => o.Churned));
        Assert.Equal(19, observations.Select(o => o.Time).Distinct().Count());
        AssertModel(
            CoxRegression.Fit(observations, covariates),
            [0.193987902494981, -0.301479987871846, 0.49828193283065],
            [0.00868521418266953, 0.0171977854483186, 0.0468501740389877],
            [-12913.2213838352, -12487.7404466922],
            850.961874285917,
            836.249034051646,
            869.450096710155,
            (859986, 146905, 0, 974137, 0.85410039418368));
        AssertModel(
            CoxRegression.Fit(observations, covariates, new CoxOptions { Ties = CoxTies.Breslow }),
            [0.119380518305809, -0.187980568205466, 0.318623587246103],
            [0.00863629173170521, 0.0172084926304139, 0.0467490054815909],
            [-13663.3961632679, -13497.3239870393],
            332.144352457239,
            323.64674420544,
            329.077014204138,
            (860168, 146723, 0, 974137, 0.854281148604963));
    }

    public static TheoryData<string, CoxTimeTransform, CoxTies, double[], double[]> ProportionalHazardsCases => new()
    {
        // cox.zph(fit, transform, terms = FALSE)$table: each covariate's chisq, then GLOBAL's; and their p.
        { "lung", CoxTimeTransform.KaplanMeier, CoxTies.Efron, [0.243609313556975, 2.47547956720629, 2.35304562031947, 4.9747443821738], [0.621611345743442, 0.115634168745273, 0.125038504133295, 0.173655853520489] },
        { "lung", CoxTimeTransform.Identity, CoxTies.Efron, [0.190257141163885, 2.65506186829206, 1.82581031971648, 4.55336802764188], [0.662702687308166, 0.103220740645629, 0.176623212243161, 0.207579094024566] },
        { "lung", CoxTimeTransform.Rank, CoxTies.Efron, [0.165054471949654, 2.23129475543287, 2.94391997104541, 5.34167070517547], [0.684544986060046, 0.135240476309732, 0.0862013042764262, 0.148421181689174] },
        { "lung", CoxTimeTransform.Log, CoxTies.Efron, [3.52535724106305, 2.1748663111984, 0.483541890849601, 5.75732152253859], [0.0604367996408827, 0.140281705972707, 0.486822350706519, 0.124032856740859] },
        { "lung", CoxTimeTransform.KaplanMeier, CoxTies.Breslow, [0.243684582278305, 2.46653647965913, 2.34986435923973, 4.96036792396724], [0.621557489401045, 0.116293932917642, 0.125293909012282, 0.174722309103774] },
        { "veteran", CoxTimeTransform.KaplanMeier, CoxTies.Efron, [0.264388835754269, 12.9351978287468, 0.0128893707071921, 1.82882660941599, 2.16556633036723, 3.98787970866234, 6.79287224327203, 5.50333574835092, 34.5524911057329], [0.607120871882468, 0.000322461157399623, 0.909609298611899, 0.176266203414817, 0.141132618899509, 0.045828699679292, 0.00915225385265831, 0.0189802340022185, 3.22519348810806e-05] },
        { "generated", CoxTimeTransform.KaplanMeier, CoxTies.Efron, [10.497394528572, 4.30974200203557, 2.62591599129777, 28.5202856547467], [0.00119542992374085, 0.0378947083221524, 0.105131819202216, 2.82431281161689e-06] },
    };

    [Theory]
    [MemberData(nameof(ProportionalHazardsCases))]
    public void TheProportionalHazardsTest_MatchesCoxZph(string data, CoxTimeTransform transform, CoxTies ties, double[] chiSquare, double[] p)
    {
        var (observations, covariates) = data switch
        {
            "lung" => (ReferenceData.Lung.Observations, LungCovariates()),
            "veteran" => (ReferenceData.Veteran.Observations, [.. new[] { "trt", "karno", "diagtime", "age", "prior", "smallcell", "adeno", "large" }.Select(ReferenceData.Veteran.Covariate)]),
            _ => Generated(),
        };
        var test = CoxRegression.Fit(observations, covariates, new CoxOptions { Ties = ties, TestProportionalHazards = true, TimeTransform = transform }).ProportionalHazards!;
        Assert.Equal(transform, test.Transform);
        ChiSquareTest[] tests = [.. test.Covariates.Select(c => c.Test), test.Global];
        for (var i = 0; i < tests.Length; i++)
        {
            Close(chiSquare[i], tests[i].Statistic, $"chi-square {i}");
            Assert.Equal(p[i], tests[i].PValue, p[i] * 1e-6);
            Assert.Equal(i < covariates.Length ? 1 : covariates.Length, tests[i].DegreesOfFreedom);
        }

        Assert.Equal(covariates.Select(c => c.Name), test.Covariates.Select(c => c.Name));
    }

    [Fact]
    public void TheProportionalHazardsTest_IsOnlyOnRequest_AndItsLogTransformRefusesAZeroTime()
    {
        Assert.Null(CoxRegression.Fit(ReferenceData.Lung.Observations, LungCovariates()).ProportionalHazards);
        var (observations, covariates) = Generated(100);
        observations[3] = new SurvivalObservation(0, true);
        var zero = Assert.Throws<ArgumentException>(() => CoxRegression.Fit(observations, covariates, new CoxOptions { TestProportionalHazards = true, TimeTransform = CoxTimeTransform.Log }));
        Assert.Contains("log transform needs times above zero; subject 3 has time 0", zero.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACovariateConstantAmongEveryoneAtRisk_IsRefusedInAnyUnit()
    {
        // The one subject whose value differs leaves before the first event: at every event the covariate is the same
        // for everyone at risk. Found by the rescaling property: in hundredths around -1000, rounding left the
        // information a little above zero and the fit went on.
        SurvivalObservation[] observations = [new(4, true), new(0, false), new(1, true), new(1, true)];
        double[] values = [1, -2, 1, 1];
        foreach (var (scale, shift) in new[] { (1.0, 0.0), (0.01, -1000.0), (1e6, 3.0) })
        {
            var e = Assert.Throws<CoxFitException>(() => CoxRegression.Fit(observations, [new CoxCovariate("x", [.. values.Select(v => (v * scale) + shift)])]));
            Assert.Equal(CoxFitProblem.CollinearCovariates, e.Problem);
        }
    }

    [Fact]
    public void FitProblems_AreReportedNamingTheCovariates_NeverAsNumbers()
    {
        var (observations, covariates) = Generated(200);
        var constant = Assert.Throws<CoxFitException>(() => CoxRegression.Fit(observations, [covariates[0], new CoxCovariate("seats", Enumerable.Repeat(10.0, 200).ToArray())]));
        Assert.Equal(CoxFitProblem.ConstantCovariate, constant.Problem);
        Assert.Equal(["seats"], constant.Covariates);
        Assert.Contains("'seats' is 10 for every subject", constant.Message, StringComparison.Ordinal);

        var sum = covariates[0].Values.Zip(covariates[1].Values, (a, b) => a + (2 * b)).ToArray();
        var collinear = Assert.Throws<CoxFitException>(() => CoxRegression.Fit(observations, [covariates[0], covariates[1], new CoxCovariate("x1+2x2", sum)]));
        Assert.Equal(CoxFitProblem.CollinearCovariates, collinear.Problem);
        Assert.Contains("'x1+2x2' is a linear combination of the covariates before it ('x1', 'x2')", collinear.Message, StringComparison.Ordinal);

        // Every subject with the indicator churns before any without it: the hazard ratio is infinite.
        var separated = Enumerable.Range(0, 40).Select(i => new SurvivalObservation(i < 20 ? 1 + i : 100 + i, i < 30)).ToArray();
        var infinite = Assert.Throws<CoxFitException>(() => CoxRegression.Fit(separated, [new CoxCovariate("early", [.. Enumerable.Range(0, 40).Select(i => i < 20 ? 1.0 : 0.0)])]));
        Assert.Equal(CoxFitProblem.InfiniteCoefficient, infinite.Problem);
        Assert.Equal(["early"], infinite.Covariates);

        var noEvents = Assert.Throws<CoxFitException>(() => CoxRegression.Fit([.. observations.Select(o => new SurvivalObservation(o.Time, false))], covariates));
        Assert.Equal(CoxFitProblem.NoEvents, noEvents.Problem);

        var notConverged = Assert.Throws<CoxFitException>(() => CoxRegression.Fit(observations, covariates, new CoxOptions { MaxIterations = 1 }));
        Assert.Equal(CoxFitProblem.NotConverged, notConverged.Problem);
    }

    [Fact]
    public void BadInput_IsRefusedNamingTheCovariateAndSubject()
    {
        var (observations, covariates) = Generated(50);
        var missing = covariates[0].Values.ToArray();
        missing[7] = double.NaN;
        Assert.Contains("Covariate 'x1' of subject 7 is NaN", Assert.Throws<ArgumentException>(() => CoxRegression.Fit(observations, [new CoxCovariate("x1", missing)])).Message, StringComparison.Ordinal);
        Assert.Contains("'x1' has 49 values for 50 observations", Assert.Throws<ArgumentException>(() => CoxRegression.Fit(observations, [new CoxCovariate("x1", covariates[0].Values.Take(49).ToArray())])).Message, StringComparison.Ordinal);
        Assert.Contains("Two covariates are named 'x1'", Assert.Throws<ArgumentException>(() => CoxRegression.Fit(observations, [covariates[0], covariates[0]])).Message, StringComparison.Ordinal);
        Assert.Contains("at least one covariate", Assert.Throws<ArgumentException>(() => CoxRegression.Fit(observations, [])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => CoxRegression.Fit(observations, covariates, new CoxOptions { ConfidenceLevel = 1 }));
        Assert.Contains("reference level 'gold' of 'tier' is not among its levels (a, b)", Assert.Throws<ArgumentException>(() => CoxCovariate.Indicators("tier", ["a", "b"], "gold")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RelativeHazard_IsExpOfTheCentredRiskScore()
    {
        var model = CoxRegression.Fit(ReferenceData.Lung.Observations, LungCovariates());
        Assert.Equal(1, model.RelativeHazard([.. model.Means]), 1e-12);
        var older = model.RelativeHazard([model.Means[0] + 10, model.Means[1], model.Means[2]]);
        Assert.Equal(Math.Pow(model.Coefficients[0].HazardRatio, 10), older, 1e-12);
    }
}
