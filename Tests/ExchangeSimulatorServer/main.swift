import ExchangeSimulator
import Foundation
import Platform

// The exchange simulator as a process: `tradectl-exchange-sim [--port N] [--accounts N] [--orders-per-window N]
// [--order-window-ms N] [--weight-per-minute N]`. Prints `port=<N>` once it listens; stops on SIGTERM or when stdin closes.
var options: [String: String] = [:]
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    guard a.hasPrefix("--"), let v = args.popFirst() else { FileHandle.standardError.write(Data("bad argument \(a)\n".utf8)); exit(2) }
    options[String(a.dropFirst(2))] = v
}
let accounts = Int(options["accounts"] ?? "") ?? 1
var limits = SimLimits()
if let v = options["orders-per-window"].flatMap(Int.init) { limits.ordersPerWindow = v }
if let v = options["order-window-ms"].flatMap(Int64.init) { limits.orderWindowMs = v }
if let v = options["weight-per-minute"].flatMap(Int.init) { limits.weightPerMinute = v }
let now = Int64(Date().timeIntervalSince1970 * 1_000)
let market = SimMarket.btc(closes: (0..<120).map { 30_000 + 50 * sin(Double($0) / 7) }, now: now)
let sim = ExchangeSimulator(markets: [market],
                            accounts: (0..<accounts).map { SimAccount(apiKey: "key\($0)", secret: "secret\($0)", balances: ["USDT": 1_000_000, "BTC": 10]) },
                            limits: limits)
try await sim.start(port: Int(options["port"] ?? "") ?? 0)
print("port=\(sim.port)")
fflush(nil)  // all streams: stdout itself is not concurrency-safe to name
// Runs until stdin closes (the parent exits) or the process is killed.
while readLine() != nil {}
await sim.stop()
