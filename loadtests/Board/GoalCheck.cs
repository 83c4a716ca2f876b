namespace MassRouter.LoadTests.Board;

/// <summary>One goal of the issue against the subject's measured figure; <see cref="Met"/> is null when it could not be measured.</summary>
internal sealed record GoalCheck(string Goal, string Measured, bool? Met);
