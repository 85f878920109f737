// Instructions per call, counted by valgrind's callgrind: the figure that stays the same on a
// busy machine, where wall-clock medians move by 2× between runs.
//
//     swift run -c release InstructionCounts [--calls N] [--json]      (make bench-instructions)
//
// Run as is, it strips a copy of itself (valgrind 3.19 cannot read Swift's debug information),
// runs that copy under `valgrind --tool=callgrind`, and prints the counts the copy dumped for each
// case. The copy (`--child`) zeroes the counts before each case's calls and dumps them after, so a
// case counts what every thread of this process did meanwhile (not the `process` level's worker,
// whose instructions are its own process's).
//
// The main is synchronous on purpose: Swift's async main parks the main thread in
// dispatch_main(), where valgrind 3.19 crashes.
import CCallgrind
import Foundation
import StrategyRuntime

let arguments = Array(CommandLine.arguments.dropFirst())
let calls = arguments.firstIndex(of: "--calls").flatMap { Int(arguments[$0 + 1]) } ?? 100
let json = arguments.contains("--json")

if arguments.contains("--child") {
    guard tc_running_on_valgrind() != 0 else {
        FileHandle.standardError.write(Data("--child runs under valgrind only\n".utf8))
        exit(2)
    }
    let done = DispatchSemaphore(value: 0)
    Task.detached {  // not the main actor: the main thread waits below, and never drains the main queue
        do {
            try await InstructionCases(calls: calls).run()
        } catch {
            FileHandle.standardError.write(Data("InstructionCounts: \(error)\n".utf8))
            exit(1)
        }
        done.signal()
    }
    done.wait()
    exit(0)
}

exit(InstructionDriver(calls: calls, json: json).run())
