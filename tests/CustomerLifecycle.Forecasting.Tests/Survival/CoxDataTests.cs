namespace CustomerLifecycle.Forecasting.Tests.Survival;

/// <summary>
/// Start–stop rows, strata, case weights, clusters, residuals and predicted curves with their intervals, checked against
/// R 4.2.2, survival 3.5.3 (<c>coxph</c>, <c>cox.zph</c>, <c>residuals.coxph</c>, <c>survfit.coxph</c>; the commands and
/// their output are in <c>reference/survival.R</c>) on the heart, lung and rats data sets, to 1e-6 relative.
/// </summary>
public sealed class CoxDataTests
{
    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");

    private static void Close(double[] expected, IEnumerable<double> actual, string what)
    {
        var values = actual.ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Close(expected[i], values[i], $"{what}[{i}]");
        }
    }

    private static void AssertFit(CoxModel model, double[] coef, double[] se, double[] loglik, double lrt, double wald, double score, double[] concordance)
    {
        Close(coef, model.Coefficients.Select(c => c.Coefficient), "coefficient");
        Close(se, model.Coefficients.Select(c => c.StandardError), "model-based standard error");
        Close(loglik, [model.NullLogLikelihood, model.LogLikelihood], "log-likelihood");
        Close(lrt, model.LikelihoodRatio.Statistic, "likelihood-ratio test");
        Close(wald, model.Wald.Statistic, "Wald test");
        Close(score, model.Score.Statistic, "score test");
        var c = model.Concordance;
        Close(concordance, [c.Concordant, c.Discordant, c.TiedRisk, c.TiedTime, c.TiedTimeAndRisk, c.Value, c.StandardError], "concordance (concordant, discordant, tied.x, tied.y, tied.xy, C, its standard error)");
    }

    // The heart data's rows: a patient who had a transplant is two rows, (0, wait] untransplanted and (wait, end] transplanted.
    private static CoxData Heart(params string[] covariates)
    {
        var data = ReferenceData.Heart;
        return new CoxData(data.ObservationsOf("stop", "event"), [.. covariates.Select(data.Covariate)]) { Entries = data.Column("start") };
    }

    private static CoxCovariate[] Lung(params string[] names) => [.. names.Select(ReferenceData.Lung.Covariate)];

    // w = 0.5 + (i %% 4) / 2 for R's rows i = 1..226.
    private static double[] LungWeights() => [.. Enumerable.Range(1, ReferenceData.Lung.Count).Select(i => 0.5 + ((i % 4) / 2.0))];

    [Theory]
    [InlineData(CoxTies.Efron)]
    [InlineData(CoxTies.Breslow)]
    public void Heart_StartStopRows_MatchCoxph(CoxTies ties)
    {
        // coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = heart, ties = ...): the transplant is a
        // covariate that changes during a patient's follow-up, which only start–stop rows can express.
        var model = CoxRegression.Fit(Heart("age", "year", "surgery", "transplant"), new CoxOptions { Ties = ties });
        if (ties == CoxTies.Efron)
        {
            AssertFit(
                model,
                [0.0271666409576767, -0.146346345674196, -0.637209889966967, -0.0102507724090828],
                [0.0137141152103185, 0.0704679795188561, 0.367225996180325, 0.313754798337491],
                [-298.121355672984, -290.565616218489],
                15.1114789089897,
                14.4930452067849,
                15.0341979130413,
                [2873, 1646, 0, 16, 0, 0.635760123921221, 0.0330796245569992]);
        }
        else
        {
            AssertFit(
                model,
                [0.0271520807645268, -0.146115750002599, -0.635843475598152, -0.0118958509638206],
                [0.0137211312396094, 0.0704657060509134, 0.367210695737067, 0.313644376741173],
                [-298.325606736462, -290.794534647673],
                15.062144177578,
                14.4465910639493,
                14.9838964681169,
                [2872, 1647, 0, 16, 0, 0.635538836025669, 0.0331208599582491]);
        }

        Assert.Equal((172, 75, 4), (model.Subjects, model.Events, model.Iterations));
    }

    [Fact]
    public void Heart_ClusteredByPatient_GivesCoxphsRobustVarianceAndTests()
    {
        // coxph(Surv(start, stop, event) ~ age + year + surgery + transplant + cluster(id), data = heart): a patient's rows
        // are one unit of the sandwich; R then prints the robust Wald test and the robust score test.
        var data = Heart("age", "year", "surgery", "transplant") with { Clusters = ReferenceData.Heart.Text("id") };
        var model = CoxRegression.Fit(data);
        Close([0.0138918929240809, 0.0730798592393642, 0.358210202384426, 0.31688234906249], model.Coefficients.Select(c => c.RobustStandardError!.Value), "robust standard error");
        Close([0.0137141152103185, 0.0704679795188561, 0.367225996180325, 0.313754798337491], model.Coefficients.Select(c => c.StandardError), "model-based standard error");
        Close(16.8329930443117, model.RobustWald!.Value.Statistic, "robust Wald test");
        Close(18.2363014168005, model.RobustScore!.Value.Statistic, "robust score test");
        Assert.Equal(0.00110952886737791, model.RobustScore.Value.PValue, 1e-12);
        Assert.Equal(103, model.Clusters);
        Close(0.0331537392949609, model.Concordance.StandardError, "concordance standard error, clustered");

        // Without clusters each row is its own unit, and a model-only fit has no robust figures.
        Assert.NotEqual(model.Coefficients[0].RobustStandardError, CoxRegression.Fit(Heart("age", "year", "surgery", "transplant"), new CoxOptions { Robust = true }).Coefficients[0].RobustStandardError);
        Assert.Null(CoxRegression.Fit(Heart("age", "year", "surgery", "transplant")).RobustScore);
    }

    [Fact]
    public void Lung_StratifiedBySex_MatchesCoxph()
    {
        // coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), data = lung2): a baseline hazard per sex.
        var lung = ReferenceData.Lung;
        var model = CoxRegression.Fit(new CoxData(lung.Observations, Lung("age", "ph_ecog")) { Strata = lung.Text("sex") });
        AssertFit(
            model,
            [0.0107084013906432, 0.46906294188371],
            [0.00923359925195105, 0.115587315961957],
            [-633.871306941512, -624.035431474032],
            19.6717509349603,
            19.8312857048554,
            20.1649592040936,
            [6225, 3994, 126, 17, 0, 0.607829869502175, 0.0266198268942158]);
        Assert.Equal(["1", "2"], model.Strata);
        Assert.Equal(3, model.Iterations);
    }

    [Fact]
    public void Lung_Weighted_MatchesCoxph()
    {
        // coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, weights = w), w = 0.5 + (1:226 %% 4) / 2. R turns
        // the robust variance on for such weights (its se is the robust one, naive.var the model-based); here it is asked for.
        var lung = ReferenceData.Lung;
        var model = CoxRegression.Fit(new CoxData(lung.Observations, Lung("age", "sex", "ph_ecog")) { Weights = LungWeights() }, new CoxOptions { Robust = true });
        AssertFit(
            model,
            [0.00298144334162929, -0.61304162581647, 0.617068136137508],
            [0.00861989482331353, 0.150224545427623, 0.106406181488264],
            [-972.198002198165, -947.411891114208],
            49.5722221679127,
            model.Wald.Statistic,
            50.6945876998494,
            [20129, 10783.25, 218.75, 45.75, 0, 0.65010359448781, 0.0262057690905271]);
        Close([0.0102716407624394, 0.172299984409197, 0.13183151708171], model.Coefficients.Select(c => c.RobustStandardError!.Value), "robust standard error");
        Close(33.0859589878343, model.RobustWald!.Value.Statistic, "robust Wald test");
        Close(27.9319666192854, model.RobustScore!.Value.Statistic, "robust score test");
        Assert.Equal((226, 163), (model.Subjects, model.Events));

        // summary(survfit(fit, newdata = data.frame(age = 60, sex = 1, ph.ecog = 1)), times = c(100, 365)): the weights
        // enter the baseline hazard and its variance.
        var curve = model.PredictSurvival([60, 1, 1]);
        var points = new[] { 100.0, 365 }.Select(t => curve.Last(c => c.Time <= t)).ToArray();
        Close([0.83004947773326, 0.283679654154348], points.Select(c => c.Survival), "weighted survival");
        Close([0.0256295280424399, 0.039281596512653], points.Select(c => c.Survival * c.StandardError), "weighted std.err");
    }

    [Fact]
    public void Lung_WithAnOffset_MatchesCoxph()
    {
        // coxph(Surv(time, status) ~ age + sex + offset(off), data = lung2), off = 0.3 × ph.ecog: a known term with
        // coefficient 1 in every row's log hazard. Its martingale residuals, cox.zph, and the curve of a subject aged 60,
        // male, offset 0.3 (survfit with newdata), at 100 and 365 days.
        var lung = ReferenceData.Lung;
        var offsets = lung.Column("ph_ecog").Select(e => 0.3 * e).ToArray();
        var model = CoxRegression.Fit(new CoxData(lung.Observations, Lung("age", "sex")) { Offsets = offsets }, new CoxOptions { TestProportionalHazards = true });
        AssertFit(
            model,
            [0.0134824739936994, -0.540417799725524],
            [0.00916956370763937, 0.167767841551285],
            [-731.86256810458, -725.215434241736],
            13.2942677256895,
            12.6676326096933,
            12.9301772011476,
            [12497, 6977, 126, 28, 0, 0.640816326530612, 0.0250297511627616]);
        var martingale = model.Residuals(CoxResidualKind.Martingale);
        Close([0.00436364080231544, -0.132336801814088, -0.203460684623265], new[] { 0, 1, 225 }.Select(r => martingale[r].Values[0]), "martingale with an offset");
        Close([0.254072989713506, 2.45149798628999, 2.68785903804246], [.. model.ProportionalHazards!.Covariates.Select(c => c.Test.Statistic), model.ProportionalHazards.Global.Statistic], "cox.zph with an offset");
        var curve = model.PredictSurvival([60, 1], null, 0.3);
        var points = new[] { 100.0, 365 }.Select(t => curve.Last(c => c.Time <= t)).ToArray();
        Close([0.84819614284372, 0.340588724502097], points.Select(c => c.Survival), "survival with an offset");
        Close([0.0268141388187551, 0.0435440132707308], points.Select(c => c.Survival * c.StandardError), "std.err with an offset");
        Assert.Contains("offsets", Assert.Throws<ArgumentException>(() => model.PredictSurvival([60, 1])).Message);
        Assert.Contains("Row 3 has offset NaN", Assert.Throws<ArgumentException>(() => CoxRegression.Fit(new CoxData(lung.Observations, Lung("age")) { Offsets = [.. offsets.Select((o, i) => i == 3 ? double.NaN : o)] })).Message);
    }

    [Fact]
    public void Rats_ClusteredByLitter_MatchesCoxph()
    {
        // coxph(Surv(time, status) ~ rx + cluster(litter), data = rats): three rats per litter, one treated.
        var rats = ReferenceData.Rats;
        var model = CoxRegression.Fit(new CoxData(rats.ObservationsOf("time", "status"), [rats.Covariate("rx")]) { Clusters = rats.Text("litter") });
        AssertFit(model, [0.713736804292536], [0.308777847176269], [-225.28221349933, -222.665390106051], 5.23364678655741, model.Wald.Statistic, 5.57297362954667, [2875, 1662, 4757, 3, 7, 0.565257155153863, 0.0343843548029079]);
        Close(0.271033228681653, model.Coefficients[0].RobustStandardError!.Value, "robust standard error");
        Close(6.93475474993464, model.RobustWald!.Value.Statistic, "robust Wald test");
        Close(5.88026004960204, model.RobustScore!.Value.Statistic, "robust score test");
        Assert.Equal(100, model.Clusters);
    }

    [Fact]
    public void Heart_StratifiedBySurgeryAndClustered_MatchesCoxph()
    {
        // coxph(Surv(start, stop, event) ~ age + year + transplant + strata(surgery) + cluster(id), data = heart).
        var data = Heart("age", "year", "transplant") with { Strata = ReferenceData.Heart.Text("surgery"), Clusters = ReferenceData.Heart.Text("id") };
        var model = CoxRegression.Fit(data);
        AssertFit(
            model,
            [0.0268135210045233, -0.149243232803768, -0.0217802512725397],
            [0.0136661564569044, 0.0700993275168726, 0.315877308843843],
            [-270.397893497282, -265.315129067303],
            10.165528859959,
            model.Wald.Statistic,
            9.89958663642466,
            [2056, 1339, 0, 13, 0, 0.60559646539028, 0.0372499756028195]);
        Close([0.0135429168714066, 0.072272210154295, 0.314521046386643], model.Coefficients.Select(c => c.RobustStandardError!.Value), "robust standard error");
        Close(10.5367349650495, model.RobustWald!.Value.Statistic, "robust Wald test");
        Close(11.3804059681369, model.RobustScore!.Value.Statistic, "robust score test");
    }

    [Theory]
    [InlineData("heart", CoxTimeTransform.KaplanMeier, new[] { 0.866874710915408, 1.71641442920761, 0.0973950591161542, 0.202934388153058, 3.47310229884558 })]
    [InlineData("heart", CoxTimeTransform.Identity, new[] { 1.75729093008011, 1.51220047556383, 1.37611056122272, 0.122029301619968, 4.68794841096184 })]
    [InlineData("heart", CoxTimeTransform.Rank, new[] { 0.830716096126627, 1.05186779335794, 0.00384785906561823, 0.252438483631454, 2.68432681072651 })]
    [InlineData("lung_strata", CoxTimeTransform.KaplanMeier, new[] { 0.182346436548887, 2.51640755424679, 2.55028507212426 })]
    [InlineData("lung_weights", CoxTimeTransform.KaplanMeier, new[] { 1.14797512916023, 3.63130476439448, 2.01689926061158, 6.4634191318671 })]
    [InlineData("lung_weights", CoxTimeTransform.Identity, new[] { 1.07832029820919, 4.13954934797724, 1.28291452671823, 6.2084380348624 })]
    public void ProportionalHazardsTest_OnStartStopStrataAndWeights_MatchesCoxZph(string model, CoxTimeTransform transform, double[] chisq)
    {
        // cox.zph(fit, transform = ..., terms = FALSE)$table[, "chisq"]: each covariate, then the global test.
        var lung = ReferenceData.Lung;
        var data = model switch
        {
            "heart" => Heart("age", "year", "surgery", "transplant"),
            "lung_strata" => new CoxData(lung.Observations, Lung("age", "ph_ecog")) { Strata = lung.Text("sex") },
            _ => new CoxData(lung.Observations, Lung("age", "sex", "ph_ecog")) { Weights = LungWeights() },
        };
        var test = CoxRegression.Fit(data, new CoxOptions { TestProportionalHazards = true, TimeTransform = transform }).ProportionalHazards!;
        Close(chisq, [.. test.Covariates.Select(c => c.Test.Statistic), test.Global.Statistic], "cox.zph chi-square");
    }

    [Fact]
    public void Lung_Residuals_MatchResidualsCoxph()
    {
        // residuals(fit, type) for coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2), at R's rows 1, 2, 50, 226
        // (Schoenfeld: the 1st, 2nd, 100th and 163rd event in time order, R's rows 56, 72, 130, 5).
        var model = CoxRegression.Fit(ReferenceData.Lung.Observations, Lung("age", "sex", "ph_ecog"));
        int[] rows = [0, 1, 49, 225];
        var martingale = model.Residuals(CoxResidualKind.Martingale);
        Close([0.0262533894926461, 0.049288453577786, -0.913542068306681, -0.20060649299291], rows.Select(r => martingale[r].Values[0]), "martingale");
        var deviance = model.Residuals(CoxResidualKind.Deviance);
        Close([0.0264867202934983, 0.0501223489783103, -0.727442173179325, -0.633413755759866], rows.Select(r => deviance[r].Values[0]), "deviance");
        var score = model.Residuals(CoxResidualKind.Score);
        Close([0.221000294982072, -0.065330272525648, 0.0716772082167496, 0.776800422444794, -0.0269100992871917, -0.0618386319848769, -7.00160615281916, -0.556825550511968, 0.1499890127292, 1.08813422098085, -0.141091374087747, 0.025657286019819], rows.SelectMany(r => score[r].Values), "score");
        Assert.Equal(226, score.Count);

        var schoenfeld = model.Residuals(CoxResidualKind.Schoenfeld);
        var scaled = model.Residuals(CoxResidualKind.ScaledSchoenfeld);
        Assert.Equal(163, schoenfeld.Count);
        int[] events = [0, 1, 99, 162];
        Assert.Equal([55, 71, 129, 4], events.Select(e => schoenfeld[e].Row));
        Assert.Equal([5.0, 11, 293, 883], events.Select(e => schoenfeld[e].Time));
        Close([0.87195281925554, 0.729591602104533, -1.20436705057347, 9.93195711172638, -0.270719067968181, 0.79387809608139, -4.34169293976679, 0.629068089108027, 0.0297232437946752, -5.87669671636701, -0.203902569813087, -0.593102436778862], events.SelectMany(e => schoenfeld[e].Values), "Schoenfeld");
        Close([0.0579592559702645, 3.01941641842139, -2.25145734130596, 0.127323479986407, -1.94719201739429, 1.92271261435196, -0.0504093788453715, 2.33506572844137, 0.54408557458146, -0.0538678935485348, -1.38797449806591, -0.587946797582269], events.SelectMany(e => scaled[e].Values), "scaled Schoenfeld");

        // The score residuals sum to the score at the estimates, zero; the martingale residuals sum to zero too.
        for (var a = 0; a < 3; a++)
        {
            Assert.True(Math.Abs(score.Sum(r => r.Values[a])) < 1e-6 * score.Sum(r => Math.Abs(r.Values[a])));
        }

        Assert.True(Math.Abs(martingale.Sum(r => r.Values[0])) < 1e-9);
    }

    [Fact]
    public void StartStopAndStrata_Residuals_MatchResidualsCoxph()
    {
        // residuals(coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = heart), type) at rows 1, 2,
        // 3, 100, 172; and the stratified lung model's martingale residuals at rows 1, 2, 226 and its Schoenfeld residuals,
        // ordered by stratum then time (the first is R's row 72, the last row 49).
        var heart = CoxRegression.Fit(Heart("age", "year", "surgery", "transplant"));
        int[] rows = [0, 1, 2, 99, 171];
        var martingale = heart.Residuals(CoxResidualKind.Martingale);
        Close([0.566661570646998, 0.799670126442314, -0.0194061167774966, 0.595566706957196, 0.850945995115955], rows.Select(r => martingale[r].Values[0]), "heart martingale");
        var score = heart.Residuals(CoxResidualKind.Score);
        Close([-9.29217863253004, -1.72950371113026, -0.0566946189951172, -0.518493941466599, 3.31969219727884, -2.00910390932057, -0.0574472100287942, -0.107347882727639, -0.126519894438798, 0.0483153037304445, 0.00153027112631793, 0, -4.63153514189806, 0.530803856175472, -0.0731667895304102, -0.566503183652251, -7.12071495311399, -2.39583957643301, -0.0610432960452505, -0.110526366455727], rows.SelectMany(r => score[r].Values), "heart score");

        var lung = ReferenceData.Lung;
        var stratified = CoxRegression.Fit(new CoxData(lung.Observations, Lung("age", "ph_ecog")) { Strata = lung.Text("sex") });
        var m = stratified.Residuals(CoxResidualKind.Martingale);
        Close([-0.030189410001815, 0.0764801785534058, -0.161028171002754], new[] { 0, 1, 225 }.Select(r => m[r].Values[0]), "stratified martingale");
        var schoenfeld = stratified.Residuals(CoxResidualKind.Schoenfeld);
        Assert.Equal(163, schoenfeld.Count);
        Assert.Equal((71, 48), (schoenfeld[0].Row, schoenfeld[^1].Row));
        Close([9.62439461225128, 0.799197537431966, -10.0097490278422, 0.249435603944399], [.. schoenfeld[0].Values, .. schoenfeld[^1].Values], "stratified Schoenfeld");
    }

    [Theory]
    [InlineData(CoxTies.Efron, false, new[] { 0.00493420442540491, 0.0266000354106226, 0.0435250539980994, 0.0274202611646494 }, new[] { 0.985438550728472, 0.79911448282893, 0.260945025621176, 0.0478178670945303 }, new[] { 1, 0.903450144849706, 0.433395813738566, 0.162103831172553 })]
    [InlineData(CoxTies.Breslow, false, new[] { 0.00493457557285359, 0.0265562825310743, 0.0435334922755896, 0.0274946620631169 }, new[] { 0.985437457544433, 0.799467481197643, 0.261610432282021, 0.0480455968596377 }, new[] { 1, 0.903631270854873, 0.434087751434216, 0.162624068217068 })]
    [InlineData(CoxTies.Efron, true, new[] { 0.00493350163244901, 0.0264816606680271, 0.0432069026044518, 0.0272666754842432 }, null, null)]
    public void Lung_PredictedCurveIntervals_MatchSurvfit(CoxTies ties, bool robust, double[] survivalSe, double[]? lower, double[]? upper)
    {
        // summary(survfit(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2, ties, robust),
        // newdata = data.frame(age = 60, sex = 1, ph.ecog = 1)), times = c(5, 100, 365, 700)): std.err (of the survival,
        // S × the cumulative hazard's), lower and upper (conf.type "log", the upper capped at 1). A robust fit's curve
        // uses the robust variance.
        var model = CoxRegression.Fit(ReferenceData.Lung.Observations, Lung("age", "sex", "ph_ecog"), new CoxOptions { Ties = ties, Robust = robust });
        var curve = model.PredictSurvival([60, 1, 1]);
        var points = new[] { 5.0, 100, 365, 700 }.Select(t => curve.Last(c => c.Time <= t)).ToArray();
        Close(survivalSe, points.Select(c => c.Survival * c.StandardError), "std.err");
        if (lower is not null)
        {
            Close(lower, points.Select(c => c.Lower), "lower .95");
            Close(upper!, points.Select(c => c.Upper), "upper .95");
        }

        Assert.All(curve, c => Assert.True(c.Lower <= c.Survival && c.Survival <= c.Upper && c.Upper <= 1));
    }

    [Fact]
    public void StratifiedAndStartStop_PredictedCurves_MatchSurvfit()
    {
        // survfit(coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), data = lung2), newdata = data.frame(age = 60,
        // ph.ecog = 1)): one curve per stratum; summary at 100 and 365 days.
        var lung = ReferenceData.Lung;
        var stratified = CoxRegression.Fit(new CoxData(lung.Observations, Lung("age", "ph_ecog")) { Strata = lung.Text("sex") });
        var points = new[] { "1", "2" }.SelectMany(s => new[] { 100.0, 365 }.Select(t => stratified.PredictSurvival([60, 1], s).Last(c => c.Time <= t))).ToArray();
        Close([0.839957414837807, 0.340661679481058, 0.926602674957697, 0.539284217521885], points.Select(c => c.Survival), "survival");
        Close([0.0310692749146473, 0.045946255092152, 0.0268207746803902, 0.0598972336993516], points.Select(c => c.Survival * c.StandardError), "std.err");
        Close([0.781217715371931, 0.261528303566666, 0.875498249071793, 0.433786902574776], points.Select(c => c.Lower), "lower .95");
        Close([0.903113747753551, 0.44373927519196, 0.980690159173982, 0.670438562210991], points.Select(c => c.Upper), "upper .95");
        var strataError = Assert.Throws<ArgumentException>(() => stratified.PredictSurvival([60, 1]));
        Assert.Contains("strata (1, 2)", strataError.Message);
        Assert.Contains("'3' is not a stratum", Assert.Throws<ArgumentException>(() => stratified.PredictSurvival([60, 1], "3")).Message);

        // survfit(heart fit, newdata = data.frame(age = -5, year = 3, surgery = 0, transplant = 1)) at 10, 100, 1000 days.
        var heart = CoxRegression.Fit(Heart("age", "year", "surgery", "transplant"));
        var curve = heart.PredictSurvival([-5, 3, 0, 1]);
        var at = new[] { 10.0, 100, 1000 }.Select(t => curve.Last(c => c.Time <= t)).ToArray();
        Close([0.876861497446257, 0.479925875642141, 0.185235290319321], at.Select(c => c.Survival), "heart survival");
        Close([0.131406226737191, 0.734123612750623, 1.68612842244274], at.Select(c => c.CumulativeHazard), "heart cumulative hazard");
        Close([0.0481649985832206, 0.0797659426891966, 0.0596560168664779], at.Select(c => c.Survival * c.StandardError), "heart std.err");
    }

    [Fact]
    public void BadRows_AreRefusedNamingTheRowAndTheRule()
    {
        var observations = new[] { new SurvivalObservation(5, true), new SurvivalObservation(8, false), new SurvivalObservation(9, true) };
        CoxCovariate[] x = [new("x", [1.0, 2, 4])];
        var data = new CoxData(observations, x);
        Assert.Contains("Row 1 enters at 8 and leaves at 8", Assert.Throws<ArgumentException>(() => CoxRegression.Fit(data with { Entries = [0.0, 8, 1] })).Message);
        Assert.Contains("Row 2 enters at NaN", Assert.Throws<ArgumentException>(() => CoxRegression.Fit(data with { Entries = [0.0, 1, double.NaN] })).Message);
        Assert.Contains("Row 0 has weight 0", Assert.Throws<ArgumentException>(() => CoxRegression.Fit(data with { Weights = [0.0, 1, 1] })).Message);
        Assert.Contains("Row 2 has weight -1", Assert.Throws<ArgumentException>(() => CoxRegression.Fit(data with { Weights = [1.0, 1, -1] })).Message);
        Assert.Contains("Row 1 has no stratum", Assert.Throws<ArgumentException>(() => CoxRegression.Fit(data with { Strata = ["a", null!, "b"] })).Message);
        Assert.Contains("Row 0 has no cluster", Assert.Throws<ArgumentException>(() => CoxRegression.Fit(data with { Clusters = [null!, "a", "b"] })).Message);
        Assert.Contains("CoxData.Weights has 2 values for 3", Assert.Throws<ArgumentException>(() => CoxRegression.Fit(data with { Weights = [1.0, 1] })).Message);
        Assert.Contains("CoxData.Entries has 4 values for 3", Assert.Throws<ArgumentException>(() => CoxRegression.Fit(data with { Entries = [0.0, 0, 0, 0] })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => CoxRegression.Fit(ReferenceData.Lung.Observations, Lung("age")).Residuals((CoxResidualKind)9));
    }
}
