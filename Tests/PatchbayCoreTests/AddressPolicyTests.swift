import Testing

@testable import PatchbayCore

@Suite struct AddressPolicyTests {
    static let strict = AddressPolicy(allowPrivateTargets: false)

    @Test(arguments: [
        ("http://example.com/hook", "https"),
        ("ftp://example.com", "https"),
        ("example.com/hook", "absolute URL"),
        ("https://user:pass@example.com/", "credentials"),
        ("https://localhost/", "localhost"),
        ("https://api.localhost/", "localhost"),
        ("https://metadata.google.internal/", "internal"),
        ("https://127.0.0.1/", "loopback"),
        ("https://127.1/", "loopback"),
        ("https://2130706433/", "loopback"),
        ("https://0x7f000001/", "loopback"),
        ("https://0x7f.1/", "loopback"),
        ("https://0177.0.0.1/", "loopback"),
        ("https://017700000001/", "loopback"),
        ("https://127.0.0.1./", "loopback"),
        ("https://10.0.0.1/", "private"),
        ("https://172.16.5.4/", "private"),
        ("https://172.31.255.255/", "private"),
        ("https://192.168.1.1/", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://0xa9fea9fe/", "link-local"),
        ("https://100.64.0.1/", "carrier-grade NAT"),
        ("https://224.0.0.1/", "multicast"),
        ("https://239.255.255.250/", "multicast"),
        ("https://0.0.0.0/", "unspecified"),
        ("https://0/", "unspecified"),
        ("https://255.255.255.255/", "broadcast"),
        ("https://240.0.0.1/", "reserved"),
        ("https://198.18.0.1/", "benchmarking"),
        ("https://[::1]/", "loopback"),
        ("https://[::]/", "unspecified"),
        ("https://[0:0:0:0:0:0:0:1]/", "loopback"),
        ("https://[fc00::1]/", "unique local"),
        ("https://[fd12:3456:789a::1]/", "unique local"),
        ("https://[fe80::1]/", "link-local"),
        ("https://[ff02::1]/", "multicast"),
        ("https://[::ffff:127.0.0.1]/", "loopback"),
        ("https://[::ffff:7f00:1]/", "loopback"),
        ("https://[::ffff:169.254.169.254]/", "link-local"),
        ("https://[::ffff:10.1.2.3]/", "private"),
        ("https://[::127.0.0.1]/", "loopback"),
        ("https://[::ffff:8.8.8.8]/", "IPv4-mapped"),
        ("https://[64:ff9b::7f00:1]/", "NAT64"),
        ("https://[2002:7f00:1::]/", "6to4"),
        ("https://[2001:db8::1]/", "documentation"),
    ])
    func refusesUnsafeTargets(url: String, reason: String) throws {
        let problem = try #require(Self.strict.urlProblem(url), "\(url) was accepted")
        #expect(problem.contains(reason), "\(url): \(problem)")
    }

    @Test(arguments: [
        "https://example.com/webhooks", "https://hooks.example.com:8443/a?b=c", "https://93.184.216.34/x", "https://8.8.8.8/",
        "https://[2606:4700:4700::1111]/", "https://172.32.0.1/", "https://100.128.0.1/", "https://xn--bcher-kva.example/",
    ])
    func acceptsPublicTargets(url: String) {
        #expect(Self.strict.urlProblem(url) == nil, "\(url): \(Self.strict.urlProblem(url) ?? "")")
    }

    @Test func privateTargetsAreAllowedWhenAskedFor() {
        let relaxed = AddressPolicy(allowPrivateTargets: true)
        #expect(relaxed.urlProblem("http://127.0.0.1:8080/hook") == nil)
        #expect(relaxed.urlProblem("http://localhost:9000/") == nil)
        #expect(relaxed.urlProblem("ftp://127.0.0.1/") != nil)
        #expect(relaxed.urlProblem("https://user:pw@127.0.0.1/") != nil)
    }

    @Test(arguments: [
        ("1.2.3.4", "1.2.3.4"), ("1.2.3", "1.2.0.3"), ("1.65535", "1.0.255.255"), ("16909060", "1.2.3.4"), ("0x01.0x02.0x03.0x04", "1.2.3.4"),
        ("::ffff:1.2.3.4", "0:0:0:0:0:ffff:102:304"), ("[2001:db8::8:800:200c:417a]", "2001:db8:0:0:8:800:200c:417a"),
        ("fe80::1%eth0", "fe80:0:0:0:0:0:0:1"),
    ])
    func parsesAddressSpellings(host: String, canonical: String) throws {
        #expect(try #require(IPAddress(host: host)).description == canonical)
    }

    @Test(arguments: ["256.1.1.1", "1.2.3.4.5", "example.com", "1..2", "::1::2", "1:2:3:4:5:6:7:8:9", "::ffff:1.2.3.256", "12345::"])
    func refusesNonAddresses(host: String) {
        #expect(IPAddress(host: host) == nil)
    }
}
