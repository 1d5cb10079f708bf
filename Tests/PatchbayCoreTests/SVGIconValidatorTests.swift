import Testing

@testable import PatchbayCore

@Suite struct SVGIconValidatorTests {
    @Test(arguments: [
        ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M0 0h24v24H0z" fill="#f00"/></svg>"##,
        ##"<?xml version="1.0" encoding="UTF-8"?><svg xmlns="http://www.w3.org/2000/svg"><g><circle cx="5" cy="5" r="4"/></g></svg>"##,
        ##"<svg xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="2" height="2"/></svg>"##,
        "<svg xmlns=\"http://www.w3.org/2000/svg\">\n  <!-- a comment -->\n  <title>Icon &amp; more</title>\n</svg>\n",
        ##"<svg><style>.a { fill: url('#g'); }</style><rect class="a"/></svg>"##,
    ])
    func acceptsInertIcons(svg: String) {
        #expect(SVGIconValidator.problem(in: svg) == nil)
    }

    @Test(arguments: [
        (##"<svg><script>alert(1)</script></svg>"##, "<script>"),
        (##"<svg><SCRIPT>alert(1)</SCRIPT></svg>"##, "<SCRIPT>"),
        (##"<svg xmlns:x="http://www.w3.org/2000/svg"><x:script>alert(1)</x:script></svg>"##, "<x:script>"),
        (##"<svg onload="alert(1)"></svg>"##, "event handler"),
        (##"<svg><rect ONCLICK="alert(1)"/></svg>"##, "event handler"),
        (##"<svg><a href="javascript:alert(1)"><rect/></a></svg>"##, "javascript:"),
        (##"<svg><a href="&#106;avascript:alert(1)"><rect/></a></svg>"##, "javascript:"),
        (##"<svg><a href="jav&#x09;ascript:alert(1)"><rect/></a></svg>"##, "javascript:"),
        (##"<svg><a xlink:href="https://evil.example/x"><rect/></a></svg>"##, "external"),
        (##"<svg><image href="https://evil.example/x.png"/></svg>"##, "<image>"),
        (##"<svg><use href="other.svg#icon"/></svg>"##, "<use>"),
        (##"<svg><rect style="fill: url(https://evil.example/track)"/></svg>"##, "external"),
        (##"<svg><style>@import url(https://evil.example/x.css);</style></svg>"##, "import"),
        (##"<svg><foreignObject><div/></foreignObject></svg>"##, "<foreignObject>"),
        (##"<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>"##, "DOCTYPE"),
        (##"<html><body/></html>"##, "single <svg> root"),
        (##"not svg at all"##, "nothing outside"),
        (##"<svg><rect></svg>"##, "well-formed"),
        (##"<svg><rect fill=red/></svg>"##, "not quoted"),
        (##""##, "<svg> root"),
        (##"<svg></svg><svg></svg>"##, "single <svg> root"),
        (##"<svg><set attributeName="href" to="javascript:alert(1)"/></svg>"##, "<set>"),
        // Found by fuzzing: the `?` of `<?` was read as the start of its own `?>`, and the scanner trapped.
        (##"<?>"##, "processing instruction"),
        (##"<!>"##, "<svg> root"),
    ])
    func refusesActiveOrExternalContent(svg: String, reasonContains: String) throws {
        let problem = try #require(SVGIconValidator.problem(in: svg))
        #expect(problem.contains(reasonContains), "\(problem)")
    }

    @Test func refusesOversizedIcons() {
        let svg = "<svg>" + String(repeating: "<g/>", count: 20_000) + "</svg>"
        #expect(SVGIconValidator.problem(in: svg)?.contains("at most") == true)
    }
}
