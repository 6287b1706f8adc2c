import Foundation
import Testing
@testable import SpectralConv

/// ``InterleavedTiming`` on a fake clock: each contestant's call advances it by a given time.
@Suite struct InterleavedTimingTests {
    final class FakeMachine {
        var now = 0.0
        var log: [Int] = []
        /// Seconds per call of each contestant; `slowdown(round-ish call index)` multiplies it.
        let seconds: [Double]
        var factor: (Int) -> Double = { _ in 1 }
        init(_ seconds: [Double]) { self.seconds = seconds }
        func run(_ i: Int) { now += seconds[i] * factor(log.count); log.append(i) }
    }

    struct Failure: Error, Equatable {}

    func timings(_ outcomes: [InterleavedTiming.Outcome<Failure>]) -> [TimingSummary?] { outcomes.map(\.timing) }

    @Test func slowCallsRunInRoundsOneCallPerSample() {
        let machine = FakeMachine([0.02, 0.03, 0.05])
        let policy = InterleavedTiming.Policy(minimumSampleSeconds: 0.006, maximumRounds: 3)
        let outcomes = InterleavedTiming.measure(samples: [3, 3, 3], policy: policy, clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in machine.run(i) }
        #expect(machine.log == [0, 1, 2, 0, 1, 2, 0, 1, 2])
        let medians = timings(outcomes).map { $0!.median }
        #expect(zip(medians, [20.0, 30, 50]).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    @Test func fastCallsAreBatchedAfterOneSizingCall() {
        let unit = 1.0 / 1024   // binary fractions: the fake clock's differences are exact
        let machine = FakeMachine([unit, 2.5 * unit])
        let policy = InterleavedTiming.Policy(minimumSampleSeconds: 5 * unit, maximumRounds: 4)
        let outcomes = InterleavedTiming.measure(samples: [4, 4], policy: policy, clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in machine.run(i) }
        // 1 sizing call + 5 per sample for the first, 1 + 2 per sample for the second.
        #expect(machine.log.filter { $0 == 0 }.count == 1 + 4 * 5)
        #expect(machine.log.filter { $0 == 1 }.count == 1 + 4 * 2)
        let t = timings(outcomes)
        #expect(t[0]!.samples.count == 4 && abs(t[0]!.median - unit * 1e3) < 1e-9)
        #expect(t[1]!.samples.count == 4 && abs(t[1]!.median - 2.5 * unit * 1e3) < 1e-9)
        // Interleaved: the second contestant's calls start before the first has finished its samples.
        #expect(machine.log.firstIndex(of: 1)! < machine.log.lastIndex(of: 0)!)
    }

    @Test func aContestantWithFewerSamplesIsCalledFewerTimes() {
        let machine = FakeMachine([0.5, 0.01])
        let policy = InterleavedTiming.Policy(minimumSampleSeconds: 0.006, maximumRounds: 5)
        let outcomes = InterleavedTiming.measure(samples: [1, 5], policy: policy, clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in machine.run(i) }
        #expect(machine.log.filter { $0 == 0 }.count == 1)   // the budget allowed one call
        #expect(timings(outcomes)[1]!.samples.count == 5)
    }

    @Test func aBurstOfLoadInOneRoundLeavesTheMedians() {
        let machine = FakeMachine([0.010, 0.011])
        machine.factor = { call in (4...5).contains(call) ? 3 : 1 }   // the third round runs 3x slower
        let policy = InterleavedTiming.Policy(minimumSampleSeconds: 0.001, maximumRounds: 5)
        let outcomes = InterleavedTiming.measure(samples: [5, 5], policy: policy, clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in machine.run(i) }
        let t = timings(outcomes)
        #expect(abs(t[0]!.median - 10) < 1e-9 && abs(t[1]!.median - 11) < 1e-9)
        #expect(t[0]!.median < t[1]!.median)
    }

    @Test func clearlySlowerContestantsAreAbandonedWhenAsked() {
        let machine = FakeMachine([0.010, 0.040, 0.012])
        let policy = InterleavedTiming.Policy(minimumSampleSeconds: 0.001, maximumRounds: 5, abandonFactor: 1.5)
        let outcomes = InterleavedTiming.measure(samples: [5, 5, 5], policy: policy, clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in machine.run(i) }
        #expect(machine.log.filter { $0 == 1 }.count == 1)
        #expect(machine.log.filter { $0 == 2 }.count == 5)
        #expect(timings(outcomes)[1]!.samples == [40])
    }

    @Test func aFailingContestantFailsAlone() {
        let machine = FakeMachine([0.01, 0.01])
        let policy = InterleavedTiming.Policy(minimumSampleSeconds: 0.001, maximumRounds: 3)
        let outcomes = InterleavedTiming.measure(samples: [3, 3], policy: policy, clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in
            if i == 0 { throw Failure() }
            machine.run(i)
        }
        if case .failed(let error) = outcomes[0] { #expect(error == Failure()) } else { Issue.record("expected a failure") }
        #expect(outcomes[1].timing?.samples.count == 3)
    }

    @Test func roundsContinueUntilTheMinimumTotalWithinTheCap() {
        let machine = FakeMachine([0.004, 0.02])
        let policy = InterleavedTiming.Policy(minimumSampleSeconds: 0.004, minimumTotalSeconds: 0.03, maximumRounds: 6)
        let outcomes = InterleavedTiming.measure(samples: [3, 3], policy: policy, clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in machine.run(i) }
        let t = timings(outcomes)
        #expect(t[0]!.samples.count == 6)   // 6 × 4 ms < 30 ms: stopped by the cap
        #expect(t[1]!.samples.count == 3)   // 3 × 20 ms ≥ 30 ms
    }

    // Close calls. Calls of 1/128 s and more: one call per sample, exact binary times.

    func closeCallPolicy(rounds: Int = 12, seconds: Double = .infinity) -> InterleavedTiming.Policy {
        InterleavedTiming.Policy(minimumSampleSeconds: 0.001, maximumRounds: 5, closeCallRatio: 1.10, closeCallRounds: rounds, closeCallSeconds: seconds)
    }

    func calls(_ machine: FakeMachine, _ i: Int) -> Int { machine.log.filter { $0 == i }.count }

    @Test func nearTiedContendersTakeCloseCallRoundsUpToTheCap() {
        let unit = 1.0 / 128
        let machine = FakeMachine([unit, 1.0625 * unit])   // 6% apart
        let outcomes = InterleavedTiming.measure(samples: [5, 5], policy: closeCallPolicy(), clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in machine.run(i) }
        #expect(timings(outcomes).map { $0!.samples.count } == [12, 12])
        #expect(Array(machine.log.suffix(4)) == [0, 1, 0, 1])   // still interleaved
        // Off: the same pair gets the requested rounds only.
        let plain = FakeMachine([unit, 1.0625 * unit])
        var off = closeCallPolicy()
        off.closeCallRatio = nil
        _ = InterleavedTiming.measure(samples: [5, 5], policy: off, clock: { plain.now }, wait: {}) { (i: Int) throws(Failure) in plain.run(i) }
        #expect(plain.log == [0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
    }

    @Test func aClearWinnerTakesNoCloseCallRounds() {
        let unit = 1.0 / 128
        let machine = FakeMachine([unit, 1.125 * unit, unit * 4])   // 12.5% and 4x apart
        let outcomes = InterleavedTiming.measure(samples: [5, 5, 5], policy: closeCallPolicy(), clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in machine.run(i) }
        #expect(timings(outcomes).map { $0!.samples.count } == [5, 5, 5])
    }

    @Test func onlyTheContendersWithinTheRatioTakeCloseCallRounds() {
        let unit = 1.0 / 128
        // 0 and 1 tie; 2 is clearly slower; 3 (not a contender, as the sweep's auto column) is the
        // fastest and ties with nobody that counts.
        let machine = FakeMachine([unit, unit, 2 * unit, 0.5 * unit])
        let outcomes = InterleavedTiming.measure(samples: [5, 5, 5, 5], contenders: [true, true, true, false], policy: closeCallPolicy(),
                                                 clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in machine.run(i) }
        #expect(timings(outcomes).map { $0!.samples.count } == [12, 12, 5, 5])
        #expect(calls(machine, 3) == 5)
    }

    @Test func aCloseCallEndsWhenThePairSeparates() {
        let unit = 1.0 / 128
        let machine = FakeMachine([unit, 1.25 * unit])
        // Contestant 0's first three samples (calls 0, 2, 4) run 1.25x slower: both medians are 1.25 units
        // after the requested rounds; one close-call round brings 0's to 1.125, 11% ahead.
        machine.factor = { call in call < 6 && call % 2 == 0 ? 1.25 : 1 }
        let outcomes = InterleavedTiming.measure(samples: [5, 5], policy: closeCallPolicy(), clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in machine.run(i) }
        let t = timings(outcomes)
        #expect(t.map { $0!.samples.count } == [6, 6])
        #expect(abs(t[0]!.median - 1.125 * unit * 1e3) < 1e-9)
    }

    @Test func closeCallRoundsStopAtTheTimeCap() {
        let unit = 1.0 / 128
        let machine = FakeMachine([unit, unit])
        // A close-call round takes 2 units; the cap of 5 units lets a round start at 0, 2 and 4 units.
        let outcomes = InterleavedTiming.measure(samples: [5, 5], policy: closeCallPolicy(rounds: 20, seconds: 5 * unit),
                                                 clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in machine.run(i) }
        #expect(timings(outcomes).map { $0!.samples.count } == [8, 8])
    }

    @Test func aContestantAtItsMaximumSamplesSitsOutTheCloseCall() {
        let unit = 1.0 / 128
        let machine = FakeMachine([unit, unit, unit])
        // 0's budget allowed 2 samples (no more), 1's allowed 7, 2 is capped by the policy's 12.
        let outcomes = InterleavedTiming.measure(samples: [2, 5, 5], maximumSamples: [2, 7, 50], policy: closeCallPolicy(),
                                                 clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in machine.run(i) }
        #expect((0..<3).map { calls(machine, $0) } == [2, 7, 12])
        #expect(timings(outcomes).map { $0!.samples.count } == [2, 7, 12])
    }

    @Test func aFailedContestantIsNoContender() {   // nor an abandoned one: both are inactive
        let unit = 1.0 / 128
        let machine = FakeMachine([unit, unit, 1.25 * unit])
        // 1 (tied with 0) fails on its 3rd call; 2 is 25% behind 0: no close call is left.
        let outcomes = InterleavedTiming.measure(samples: [5, 5, 5], policy: closeCallPolicy(), clock: { machine.now }, wait: {}) { (i: Int) throws(Failure) in
            if i == 1 && calls(machine, 1) == 2 { throw Failure() }
            machine.run(i)
        }
        #expect(outcomes[1].timing == nil)
        #expect(timings(outcomes)[0]!.samples.count == 5 && timings(outcomes)[2]!.samples.count == 5)
    }
}
