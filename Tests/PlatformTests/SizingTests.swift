import Platform
import Testing

@Suite struct SizingTests {
    let terms = try! SubscriptionTerms(capital: 10_000, riskPerTrade: 0.01, leverage: 5)

    @Test func stopDistanceSetsTheQuantity() {
        // risk 100, |100 − 98| = 2 → 50 units, under the cap of 10,000 × 5 / 100 = 500.
        #expect(Sizing.quantity(entry: 100, stopLoss: 98, terms: terms, rules: SymbolRules()) == .quantity(50))
    }

    @Test func withoutAStopTheNotionalIsRiskTimesLeverage() {
        // 10,000 × 0.01 × 5 = 500 notional → 5 units at 100.
        #expect(Sizing.quantity(entry: 100, stopLoss: nil, terms: terms, rules: SymbolRules()) == .quantity(5))
    }

    @Test func theCapLimitsATightStop() {
        // risk 100 / 0.01 = 10,000 units; cap 500.
        #expect(Sizing.quantity(entry: 100, stopLoss: 99.99, terms: terms, rules: SymbolRules()) == .quantity(500))
    }

    @Test func lotStepRoundsDownAndMinimumNotionalSkips() {
        #expect(Sizing.quantity(entry: 100, stopLoss: 97, terms: terms, rules: SymbolRules(lotStep: 0.1)) == .quantity(33.3))
        let small = try! SubscriptionTerms(capital: 50, riskPerTrade: 0.01)
        guard case .skipped(let why) = Sizing.quantity(entry: 100, stopLoss: nil, terms: small, rules: SymbolRules(minNotional: 5)) else {
            Issue.record("expected a skip")
            return
        }
        #expect(why.contains("minimum"))
        guard case .skipped = Sizing.quantity(entry: 100, stopLoss: nil, terms: small, rules: SymbolRules(lotStep: 1)) else {
            Issue.record("expected a skip at lot step 1")
            return
        }
    }

    @Test(arguments: [(0.0, 0.01, 1.0, "capital"), (100, 0, 1, "riskPerTrade"), (100, 1.5, 1, "riskPerTrade"),
                      (100, 0.1, 0.5, "leverage"), (100, 0.1, 126, "leverage"), (-5, 0.1, 1, "capital")])
    func invalidTermsNameTheField(capital: Double, risk: Double, leverage: Double, field: String) {
        #expect {
            _ = try SubscriptionTerms(capital: capital, riskPerTrade: risk, leverage: leverage)
        } throws: { error in
            (error as? PlatformError)?.code == .invalidInput && (error as? PlatformError)?.message.contains(field) == true
        }
    }
}
