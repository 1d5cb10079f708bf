import PatchbayCore

/// SVG charts drawn on the server: no script, no library, colours from the stylesheet's classes (so both themes
/// apply). Each chart has a title for screen readers and the numbers in a visually hidden table.
enum Charts {
    /// A small line of deliveries per minute (failures in red) for a table cell.
    static func sparkline(_ data: ChartData, label: String) -> String {
        let totals = (0..<ChartData.minutes).map { data.ok[$0] + data.fail[$0] + data.pending[$0] }
        let peak = max(1, totals.max() ?? 1)
        func points(_ values: [Int]) -> String {
            values.enumerated().map { index, value in
                let x = Double(index) * 100.0 / Double(max(1, values.count - 1))
                let y = 19.0 - Double(value) * 18.0 / Double(peak)
                return "\(format(x)),\(format(y))"
            }.joined(separator: " ")
        }
        let (total, failed) = (totals.reduce(0, +), data.fail.reduce(0, +))
        return """
            <svg class="spark" viewBox="0 0 100 20" role="img" aria-label="\(escape(label)): \(total) deliveries, \(failed) failed">\
            <polyline class="series ok" points="\(points(totals))"/>\
            \(failed > 0 ? "<polyline class=\"series fail\" points=\"\(points(data.fail))\"/>" : "")</svg>
            """
    }

    private static let width = 600.0
    private static let height = 160.0
    private static let left = 44.0
    private static let bottom = 140.0

    private static func frame(_ id: String, title: String, summary: String, peak: String, body: String, legend: [(String, String)]) -> String {
        """
        <figure class="chart"><svg viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-labelledby="\(id)-title">\
        <title id="\(id)-title">\(escape(title)): \(escape(summary))</title>\
        <line class="axis" x1="\(left)" y1="\(bottom)" x2="\(width - 2)" y2="\(bottom)"/>\
        <line class="axis" x1="\(left)" y1="10" x2="\(left)" y2="\(bottom)"/>\
        <text class="tick" x="\(left - 4)" y="16" text-anchor="end">\(escape(peak))</text>\
        <text class="tick" x="\(left - 4)" y="\(bottom)" text-anchor="end">0</text>\
        <text class="tick" x="\(left)" y="\(height - 4)">60 min ago</text>\
        <text class="tick" x="\(width - 2)" y="\(height - 4)" text-anchor="end">now</text>\
        \(body)</svg>\
        <figcaption>\(escape(title))<ul class="legend">\(legend.map { "<li><span class=\"swatch \($0.0)\"></span>\(escape($0.1))</li>" }.joined())</ul></figcaption></figure>
        """
    }

    /// Stacked bars of deliveries per minute by outcome.
    static func deliveriesChart(_ data: ChartData, title: String, id: String) -> String {
        let peak = max(1, (0..<ChartData.minutes).map { data.ok[$0] + data.fail[$0] + data.pending[$0] }.max() ?? 1)
        let barWidth = (width - left - 4) / Double(ChartData.minutes)
        var bars = ""
        for index in 0..<ChartData.minutes {
            var y = bottom
            for (value, kind) in [(data.ok[index], "ok"), (data.fail[index], "fail"), (data.pending[index], "pending")] where value > 0 {
                let h = Double(value) * (bottom - 10) / Double(peak)
                y -= h
                bars +=
                    "<rect class=\"bar \(kind)\" x=\"\(format(left + Double(index) * barWidth))\" y=\"\(format(y))\" width=\"\(format(max(1, barWidth - 1)))\" height=\"\(format(h))\"/>"
            }
        }
        let totals = data.totals
        return frame(
            id, title: title, summary: "\(totals.ok) succeeded, \(totals.fail) failed, \(totals.pending) pending", peak: String(peak), body: bars,
            legend: [("ok", "Succeeded (\(totals.ok))"), ("fail", "Failed (\(totals.fail))"), ("pending", "Pending (\(totals.pending))")])
    }

    /// Lines over the hour; minutes without a value leave a gap.
    static func lineChart(_ series: [(css: String, label: String, values: [Double?])], title: String, unit: String, id: String) -> String {
        let peak = max(1, series.flatMap { $0.values.compactMap { $0 } }.max() ?? 1)
        let step = (width - left - 4) / Double(ChartData.minutes - 1)
        var body = ""
        for line in series {
            var segments: [[String]] = [[]]
            for (index, value) in line.values.enumerated() {
                guard let value else {
                    if !(segments.last?.isEmpty ?? true) { segments.append([]) }
                    continue
                }
                let y = bottom - value * (bottom - 10) / peak
                segments[segments.count - 1].append("\(format(left + Double(index) * step)),\(format(y))")
            }
            for segment in segments where !segment.isEmpty {
                body +=
                    segment.count == 1
                    ? "<circle class=\"series \(line.css)\" cx=\"\(segment[0].split(separator: ",")[0])\" cy=\"\(segment[0].split(separator: ",")[1])\" r=\"2\"/>"
                    : "<polyline class=\"series \(line.css)\" points=\"\(segment.joined(separator: " "))\"/>"
            }
        }
        let latest = series.map { line in "\(line.label) \(line.values.last.flatMap { $0 }.map { format($0) } ?? "–") \(unit)" }
        return frame(
            id, title: "\(title) (\(unit))", summary: "now " + latest.joined(separator: ", "), peak: format(peak), body: body,
            legend: series.map { ($0.css, $0.label) })
    }

    /// Every chart of a set of webhooks, one after the other.
    static func all(_ data: ChartData, scope: String) -> String {
        "<div class=\"charts\">"
            + deliveriesChart(data, title: "Deliveries per minute \(scope), last hour", id: "c-deliveries")
            + lineChart(
                [("p50", "p50", data.p50), ("p95", "p95", data.p95)], title: "Latency of attempts \(scope), last hour", unit: "ms", id: "c-latency")
            + lineChart(
                [("depth", "Queued", data.depth)], title: "Queue depth \(scope), last hour", unit: "deliveries", id: "c-depth")
            + lineChart(
                [("age", "Oldest queued", data.oldestAgeSeconds)], title: "Age of the oldest queued delivery \(scope), last hour",
                unit: "seconds", id: "c-age") + "</div>"
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
