import Foundation
import Hummingbird
import PatchbayApp
import PatchbayCore
import PatchbayTestSupport
import Synchronization
import Testing

/// An integration endpoint on a real socket that answers by the command's text: `sync`, `later` (202), `empty`
/// (200 without a body), `slow` (past the timeout), `fail` (500), `junk` (not a reply). It records every request.
final class CommandEndpoint: Sendable {
    let requests = Mutex<[JSONValue]>([])

    func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/") { [self] request, _ -> Response in
            let bytes = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let json = JSONText.decode(bytes) ?? .null
            requests.withLock { $0.append(json) }
            let reply: (HTTPResponse.Status, String) =
                switch json["text"]?.stringValue {
                case "sync": (.ok, #"{"text":"deployed","responseType":"in_channel","blocks":[{"type":"section"}]}"#)
                case "later": (.accepted, "")
                case "empty": (.ok, "")
                case "slow": (.ok, #"{"text":"too late"}"#)
                case "fail": (.internalServerError, "boom")
                case "junk": (.ok, #"{"text":5}"#)
                default: (.ok, "{}")
                }
            if json["text"]?.stringValue == "slow" { try await Task.sleep(for: .seconds(5)) }
            return Response(status: reply.0, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: reply.1)))
        }
        return try await TestHTTPServer.run(router: router, body)
    }
}

extension APIClient {
    /// A published endpoint integration with the given features, installed in `org`; returns its id and secret.
    func commandIntegration(in org: String, name: String, url: String, features: [String] = ["slashCommands", "outboundWebhooks"]) async throws
        -> (id: String, secret: String)
    {
        let created = try await admin(
            .post, "/v1/organizations/\(org)/integrations",
            ["name": .string(name), "endpoint": ["url": .string(url)], "features": .array(features.map { .string($0) })])
        try #require(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"]?.string)
        try #require(try await admin(.post, "/v1/organizations/\(org)/integrations/\(id)/finalize").status == 200)
        let installed = try await admin(.post, "/v1/organizations/\(org)/integrations/\(id)/installations", [:])
        try #require(installed.status == 201, "\(installed.text)")
        return (id, try #require(created.json["secret"]?.string))
    }

    func human(in org: String, _ name: String = "Ann") async throws -> String {
        let user = try await admin(
            .post, "/v1/organizations/\(org)/users", ["name": .string(name), "email": .string("\(name.lowercased())@example.com")])
        return try #require(user.json["id"]?.string)
    }
}

extension E2ECase {
    static let slashConfiguration: @Sendable (inout PatchbayConfiguration) -> Void = { configuration in
        configuration.allowPrivateTargets = true
        // Long enough for a loaded CI machine; the endpoint's "slow" answer takes longer still.
        configuration.commandTimeoutMillis = 2_000
    }

    static let slashCommands: [E2ECase] = [
        E2ECase(
            "a slash command is answered by the README's Python integration, which verifies the signature itself",
            configure: slashConfiguration
        ) { api, _ in
            let org = try await api.organization()
            let user = try await api.human(in: org)
            // The integration's secret comes with it; the script starts with it on a free port, then the endpoint points there.
            let (integration, secret) = try await api.commandIntegration(in: org, name: "Weather", url: "https://weather.example.com/")
            let python = try PythonIntegration(secret: secret)
            defer { python.stop() }
            let port = try await python.waitUntilListening()
            let pointed = try await api.admin(
                .patch, "/v1/organizations/\(org)/integrations/\(integration)", ["endpoint": ["url": .string("http://127.0.0.1:\(port)/")]])
            #expect(pointed.status == 200, "\(pointed.text)")
            let registered = try await api.admin(
                .post, "/v1/organizations/\(org)/integrations/\(integration)/commands",
                ["name": "weather", "description": "Today's forecast", "usage": "[later] <city>"])
            #expect(registered.status == 201, "\(registered.text)")
            #expect(registered.json["command"] == "/weather")
            let listed = try await api.admin(.get, "/v1/organizations/\(org)/commands?search=/wea").json["data"]?.array
            #expect(listed?.count == 1)
            #expect(listed?.first?["integration"]?["name"] == "Weather")

            let receiver = TestReceiver()
            try await receiver.run { receiverPort in
                let hook = try await api.admin(
                    .post, "/v1/organizations/\(org)/webhooks",
                    ["name": "Chat", "url": .string("http://127.0.0.1:\(receiverPort)/ok"), "eventTypes": ["command.responded"]])
                #expect(hook.status == 201)

                let answered = try await api.admin(
                    .post, "/v1/organizations/\(org)/commands/invoke", ["command": "/weather", "text": "Paris", "userId": .string(user)])
                #expect(answered.status == 200, "\(answered.text)")
                #expect(answered.json["status"] == "answered")
                #expect(answered.json["text"] == "Paris: 18°C, light rain (a made-up forecast)")
                #expect(answered.json["responseType"] == "ephemeral")

                // The response URL is built from the Host the caller used (no --public-url here), so this call goes out as a
                // real client's would, to 127.0.0.1 and the server's port (the test client says only "localhost").
                let deferred = try await ServeProcessTests.request(
                    "POST", port: api.port, path: "/v1/organizations/\(org)/commands/invoke", token: api.adminToken,
                    body: #"{"command": "weather", "text": "later Lyon", "userId": "\#(user)"}"#)
                #expect(deferred.status == 202, "\(deferred.body)")
                let deferredJSON = JSONText.decode(Array(deferred.body.utf8)) ?? .null
                #expect(deferredJSON["status"] == "deferred")
                let invocation = try #require(deferredJSON["id"]?.string)
                // The deferred reply arrives at the organization's webhook as a command.responded event.
                var event: JSONValue?
                for _ in 0..<100 where event == nil {
                    try await Task.sleep(for: .milliseconds(50))
                    event = receiver.requests(to: "/ok").compactMap { JSONText.decode($0.body) }.first { $0["type"] == "command.responded" }
                }
                let sentURL = try await api.admin(.get, "/v1/organizations/\(org)/commands/invocations/\(invocation)").json["request"]?["responseUrl"]
                let data = try #require(event?["data"], "\(sentURL ?? .null) \(python.log)")
                #expect(data["invocationId"] == .string(invocation))
                #expect(data["text"] == "Lyon: 18°C, light rain (a made-up forecast)")
                #expect(data["responseType"] == "in_channel")
                #expect(data["userId"] == .string(user))

                let history = try await api.admin(.get, "/v1/organizations/\(org)/commands/invocations").json["data"]?.array ?? []
                #expect(history.compactMap { $0["outcome"]?.string } == ["answered", "deferred"])
                let detail = try await api.admin(.get, "/v1/organizations/\(org)/commands/invocations/\(invocation)")
                #expect(detail.json["responses"]?.array.count == 1)
                #expect(detail.json["request"]?["user"]?["name"] == "Ann")
                #expect(detail.json["request"]?["responseUrl"]?.string?.contains("/r/") == true)
            }
        },
        E2ECase("slash commands time out, fail, refuse bad replies and unknown names, and keep a history", configure: slashConfiguration) {
            api, _ in
            let endpoint = CommandEndpoint()
            try await endpoint.run { port in
                let org = try await api.organization()
                let user = try await api.human(in: org)
                let (integration, secret) = try await api.commandIntegration(in: org, name: "Deployer", url: "http://127.0.0.1:\(port)/")
                let commands = "/v1/organizations/\(org)/integrations/\(integration)/commands"
                #expect(try await api.admin(.post, commands, ["name": "deploy", "description": "Ship it"]).status == 201)
                #expect(try await api.admin(.post, commands, ["name": "deploy"]).status == 409)
                for bad in ["Deploy", "/deploy", "", String(repeating: "a", count: 33), "de ploy"] {
                    let refused = try await api.admin(.post, commands, ["name": .string(bad)])
                    #expect(refused.status == 422 && refused.json["errors"]?[0]?["pointer"] == "/name", "\(bad)")
                }
                let invoke = "/v1/organizations/\(org)/commands/invoke"
                func run(_ text: String) async throws -> APIResponse {
                    try await api.admin(
                        .post, invoke, ["command": "/deploy", "text": .string(text), "userId": .string(user), "context": ["channel": "ops"]])
                }

                let sync = try await run("sync")
                #expect(sync.status == 200 && sync.json["text"] == "deployed" && sync.json["responseType"] == "in_channel")
                #expect(sync.json["blocks"]?.array.count == 1)
                // What the integration got: the invocation, signed with the integration's secret.
                let sent = try #require(endpoint.requests.withLock { $0.last { $0["command"] != nil } })
                #expect(sent["command"] == "/deploy" && sent["organizationId"] == .string(org) && sent["context"]?["channel"] == "ops")
                #expect(sent["user"]?["id"] == .string(user))
                #expect(WebhookSecret(secret) != nil)

                #expect(try await run("empty").status == 202)
                let slow = try await run("slow")
                #expect(slow.status == 504 && slow.header("Content-Type") == "application/problem+json", "\(slow.text)")
                let failed = try await run("fail")
                #expect(failed.status == 502 && failed.json["detail"]?.string?.contains("500") == true, "\(failed.text)")
                let junk = try await run("junk")
                #expect(junk.status == 502 && junk.json["detail"]?.string?.contains("/text") == true, "\(junk.text)")

                let unknown = try await api.admin(.post, invoke, ["command": "/nope", "text": "", "userId": .string(user)])
                #expect(unknown.status == 404)
                #expect(unknown.json["detail"]?.string?.contains("/deploy") == true, "\(unknown.text)")
                let stranger = try await api.admin(.post, invoke, ["command": "/deploy", "userId": "usr_01M8R7GZ3P6Y934VP6ZW5K6FYF"])
                #expect(stranger.status == 422 && stranger.json["errors"]?[0]?["pointer"] == "/userId")
                let long = try await api.admin(
                    .post, invoke, ["command": "/deploy", "text": .string(String(repeating: "x", count: 4_001)), "userId": .string(user)])
                #expect(long.status == 422 && long.json["errors"]?[0]?["pointer"] == "/text")

                let history = try await api.admin(.get, "/v1/organizations/\(org)/commands/invocations?limit=100").json["data"]?.array ?? []
                #expect(history.compactMap { $0["outcome"]?.string } == ["answered", "deferred", "timed_out", "failed", "failed"])
                #expect(history.allSatisfy { if case .int(let ms)? = $0["latencyMs"] { ms >= 0 } else { false } })
                let timedOut = try await api.admin(.get, "/v1/organizations/\(org)/commands/invocations?outcome=timed_out").json["data"]?.array
                #expect(timedOut?.count == 1)
                #expect(try await api.admin(.get, "/v1/organizations/\(org)/commands/invocations?outcome=lost").status == 422)

                // Another organization's token sees none of it.
                let other = try await api.organization("Other")
                let outsider = try await api.token(in: other)
                #expect(try await api.send(.post, invoke, token: outsider, ["command": "/deploy", "userId": .string(user)]).status == 404)
                #expect(try await api.send(.get, "/v1/organizations/\(org)/commands", token: outsider).status == 404)
            }
        },
        E2ECase("an integration token sees, invokes and reads the history of its own commands only", configure: slashConfiguration) { api, _ in
            let endpoint = CommandEndpoint()
            try await endpoint.run { port in
                let org = try await api.organization()
                let user = try await api.human(in: org)
                let (mine, _) = try await api.commandIntegration(in: org, name: "Mine", url: "http://127.0.0.1:\(port)/")
                let (theirs, _) = try await api.commandIntegration(in: org, name: "Theirs", url: "http://127.0.0.1:\(port)/")
                #expect(try await api.admin(.post, "/v1/organizations/\(org)/integrations/\(mine)/commands", ["name": "deploy"]).status == 201)
                #expect(try await api.admin(.post, "/v1/organizations/\(org)/integrations/\(theirs)/commands", ["name": "report"]).status == 201)
                let invoke = "/v1/organizations/\(org)/commands/invoke"
                let theirsRun = try await api.admin(.post, invoke, ["command": "/report", "text": "sync", "userId": .string(user)])
                let theirsId = try #require(theirsRun.json["id"]?.string, "\(theirsRun.text)")
                let token = try await api.token(in: org, scopes: ["actions:run"], extra: ["integrationId": .string(mine)])

                let listed = try await api.send(.get, "/v1/organizations/\(org)/commands", token: token).json["data"]?.array ?? []
                #expect(listed.compactMap { $0["name"]?.string } == ["deploy"])
                let own = try await api.send(.post, invoke, token: token, ["command": "/deploy", "text": "sync", "userId": .string(user)])
                #expect(own.status == 200, "\(own.text)")
                let other = try await api.send(.post, invoke, token: token, ["command": "/report", "text": "sync", "userId": .string(user)])
                #expect(other.status == 404 && other.json["detail"]?.string?.hasSuffix("known commands: /deploy.") == true, "\(other.text)")
                let history = try await api.send(.get, "/v1/organizations/\(org)/commands/invocations", token: token).json["data"]?.array
                #expect(history?.compactMap { $0["integrationId"]?.string } == [mine])
                #expect(try await api.send(.get, "/v1/organizations/\(org)/commands/invocations/\(theirsId)", token: token).status == 404)
                #expect(try await api.admin(.get, "/v1/organizations/\(org)/commands/invocations/\(theirsId)").status == 200)
            }
        },
        E2ECase("command names are unique among the integrations installed in one organization", configure: slashConfiguration) { api, _ in
            let org = try await api.organization()
            let (first, _) = try await api.commandIntegration(in: org, name: "First", url: "https://first.example.com/c")
            let (second, _) = try await api.commandIntegration(in: org, name: "Second", url: "https://second.example.com/c")
            let base = "/v1/organizations/\(org)/integrations"
            #expect(try await api.admin(.post, "\(base)/\(first)/commands", ["name": "deploy"]).status == 201)
            let clash = try await api.admin(.post, "\(base)/\(second)/commands", ["name": "deploy"])
            #expect(clash.status == 409)
            #expect(clash.json["detail"]?.string?.contains(first) == true && clash.json["detail"]?.string?.contains(second) == true, "\(clash.text)")

            // An integration not yet installed may hold the name; installing it then is the clash.
            let created = try await api.admin(
                .post, "/v1/organizations/\(org)/integrations",
                ["name": "Third", "endpoint": ["url": "https://third.example.com/c"], "features": ["slashCommands"]])
            let third = try #require(created.json["id"]?.string)
            #expect(try await api.admin(.post, "\(base)/\(third)/commands", ["name": "deploy"]).status == 201)
            #expect(try await api.admin(.post, "\(base)/\(third)/finalize").status == 200)
            let install = try await api.admin(.post, "\(base)/\(third)/installations", [:])
            #expect(install.status == 409)
            #expect(install.json["detail"]?.string?.contains(first) == true && install.json["detail"]?.string?.contains(third) == true)

            // Without the feature, or without an endpoint, there are no commands: 409 naming what is missing.
            let plain = try await api.admin(.post, "/v1/organizations/\(org)/integrations", ["name": "Plain"])
            let plainId = try #require(plain.json["id"]?.string)
            #expect(plain.json["features"] == ["outboundWebhooks", "inboundWebhooks", "actions"])
            let missing = try await api.admin(.post, "\(base)/\(plainId)/commands", ["name": "other"])
            #expect(missing.status == 409 && missing.json["detail"]?.string?.contains("slashCommands") == true, "\(missing.text)")
            #expect(try await api.admin(.patch, "\(base)/\(plainId)", ["features": ["slashCommands"]]).json["features"] == ["slashCommands"])
            let noEndpoint = try await api.admin(.post, "\(base)/\(plainId)/commands", ["name": "other"])
            #expect(noEndpoint.status == 409 && noEndpoint.json["detail"]?.string?.contains("endpoint") == true)
            // Features are checked where they are used: no outbound webhooks now.
            let hook = try await api.admin(
                .post, "/v1/organizations/\(org)/webhooks", ["name": "H", "url": "https://h.example.com/x", "integrationId": .string(plainId)])
            #expect(hook.status == 409 && hook.json["detail"]?.string?.contains("outboundWebhooks") == true)
            let badFeature = try await api.admin(.patch, "\(base)/\(plainId)", ["features": ["telepathy"]])
            #expect(badFeature.status == 422 && badFeature.json["errors"]?[0]?["pointer"] == "/features/0")

            // Rename, list, delete.
            let listed = try await api.admin(.get, "\(base)/\(first)/commands").json["data"]?.array ?? []
            let commandId = try #require(listed.first?["id"]?.string)
            let renamed = try await api.admin(.patch, "\(base)/\(first)/commands/\(commandId)", ["name": "ship", "usage": "<env>"])
            #expect(renamed.json["name"] == "ship" && renamed.json["usage"] == "<env>")
            #expect(try await api.admin(.delete, "\(base)/\(first)/commands/\(commandId)").status == 204)
            #expect(try await api.admin(.get, "\(base)/\(first)/commands/\(commandId)").status == 404)
        },
        E2ECase("a response URL takes five replies within 30 minutes, each an event; then 410", configure: slashConfiguration) { api, clock in
            let endpoint = CommandEndpoint()
            try await endpoint.run { port in
                let org = try await api.organization()
                let user = try await api.human(in: org)
                let (integration, _) = try await api.commandIntegration(in: org, name: "Later", url: "http://127.0.0.1:\(port)/")
                _ = try await api.admin(.post, "/v1/organizations/\(org)/integrations/\(integration)/commands", ["name": "report"])
                let invoke = "/v1/organizations/\(org)/commands/invoke"
                let deferred = try await api.admin(.post, invoke, ["command": "/report", "text": "later", "userId": .string(user)])
                #expect(deferred.status == 202)
                let invocation = try #require(deferred.json["id"]?.string)
                let sent = try #require(endpoint.requests.withLock { $0.last { $0["id"] == .string(invocation) } })
                let url = try #require(sent["responseUrl"]?.string)
                let path = String(url[try #require(url.range(of: "/r/")).lowerBound...])

                let badReply = try await api.call(.post, path, json: #"{"text":"x","responseType":"loud"}"#)
                #expect(badReply.status == 422 && badReply.json["errors"]?[0]?["pointer"] == "/responseType")
                #expect(try await api.call(.post, path, json: #"{}"#).status == 422)
                for index in 1...5 {
                    let posted = try await api.call(.post, path, json: #"{"text":"part \#(index)"}"#)
                    #expect(posted.status == 202, "\(index): \(posted.text)")
                    #expect(posted.json["sequence"] == .int(Int64(index)))
                }
                let sixth = try await api.call(.post, path, json: #"{"text":"one more"}"#)
                #expect(sixth.status == 410 && sixth.header("Content-Type") == "application/problem+json")
                let events = try await api.admin(.get, "/v1/organizations/\(org)/events?type=command.responded").json["data"]?.array ?? []
                #expect(events.compactMap { $0["data"]?["text"]?.string } == (1...5).map { "part \($0)" })
                #expect(events.first?["actor"]?["id"] == .string(integration))
                let detail = try await api.admin(.get, "/v1/organizations/\(org)/commands/invocations/\(invocation)")
                #expect(detail.json["responses"]?.array.count == 5)

                // A forged or altered URL is unknown; a second invocation's URL expires after 30 minutes.
                #expect(try await api.call(.post, String(path.dropLast(3)) + "abc", json: #"{"text":"x"}"#).status == 404)
                #expect(try await api.call(.post, "/r/not-a-token", json: #"{"text":"x"}"#).status == 404)
                let again = try await api.admin(.post, invoke, ["command": "/report", "text": "later", "userId": .string(user)])
                let againId = try #require(again.json["id"]?.string)
                let againURL = try #require(endpoint.requests.withLock { $0.last { $0["id"] == .string(againId) } }?["responseUrl"]?.string)
                let againPath = String(againURL[try #require(againURL.range(of: "/r/")).lowerBound...])
                clock.advance(byMillis: 31 * 60_000)
                #expect(try await api.call(.post, againPath, json: #"{"text":"late"}"#).status == 410)
            }
        },
    ]
}

/// `examples/weather_integration.py`, run with python3: the README's integration, which checks Patchbay's signature
/// with its own code.
final class PythonIntegration: Sendable {
    let process: ChildProcess
    let output = Pipe()
    /// Kept apart from the test's own standard error, which a leftover child would hold open.
    let errors = Pipe()
    let seen = Mutex("")

    init(secret: String) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/weather_integration.py").path
        // Debian's interpreter itself when there is one: a wrapper (pyenv's shim) would outlive a terminate.
        let system = "/usr/bin/python3"
        let (executable, arguments) =
            FileManager.default.isExecutableFile(atPath: system) ? (system, [script]) : ("/usr/bin/env", ["python3", script])
        process = try ChildProcess(
            executable: executable, arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(["PATCHBAY_COMMAND_SECRET": secret, "PORT": "0"]) { $1 },
            standardOutput: output.fileHandleForWriting.fileDescriptor, standardError: errors.fileHandleForWriting.fileDescriptor)
        // The child holds the writing ends now: ours would keep the pipes open after it exits.
        try output.fileHandleForWriting.close()
        try errors.fileHandleForWriting.close()
        // Reads as lines arrive (what came first waits in the pipe); a blocking read would wait for bytes the script
        // never prints.
        output.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            self.seen.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        errors.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            self.seen.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
    }

    /// The port the script listens on, once it says so.
    func waitUntilListening() async throws -> Int {
        for _ in 0..<200 where !seen.withLock({ $0.contains("\n") }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let line = seen.withLock { $0 }
        let port = line.split(separator: "\n").first.flatMap { $0.split(separator: ":").last }.flatMap { Int($0) }
        return try #require(port, "the Python integration did not start: \(line)")
    }

    /// What the script printed, standard error included.
    var log: String { seen.withLock { $0 } }

    func stop() {
        output.fileHandleForReading.readabilityHandler = nil
        errors.fileHandleForReading.readabilityHandler = nil
        if process.isRunning { process.send(SIGKILL) }
    }
}
