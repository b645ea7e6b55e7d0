import LookoutCore

extension ReportText {
    /// What is left of a client's error budget, or how far over it the month is.
    public static func budgetLeft(_ budget: ErrorBudget.Figure) -> String {
        budget.remainingMs < 0 ? "over by \(duration(-budget.remainingMs))" : duration(budget.remainingMs)
    }

    /// When the budget runs out at the current burn: "spent" once it has, nil when not this month.
    public func budgetRunsOut(_ budget: ErrorBudget.Figure) -> String? {
        budget.remainingMs <= 0 ? "spent" : budget.exhaustsAt.map(dateTime)
    }
}
