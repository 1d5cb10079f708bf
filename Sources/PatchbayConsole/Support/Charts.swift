import PatchbayCore
import PatchbayStorage

/// SVG charts drawn on the server: no script, no library, colours from the stylesheet's classes (so both themes
/// apply). Each chart has a title for screen readers and the numbers in a visually hidden table.
enum Charts {
    /// One value per minute for the hour before `now`: succeeded and failed.
    static func perMinute(_ counts: [DeliveryRepository.MinuteCount], now: Int64, minutes: Int = 60) -> (ok: [Int], fail: [Int], pending: [Int]) {
        let last = now / 60_000
        var ok = [Int](repeating: 0, count: minutes)
        var fail = ok
        var pending = ok
        for count in counts {
            let index = minutes - 1 - Int(last - count.minute)
            guard (0..<minutes).contains(index) else { continue }
            switch count.status {
            case .succeeded: ok[index] += count.count
            case .failed: fail[index] += count.count
            case .pending, .retrying, .held: pending[index] += count.count
            }
        }
        return (ok, fail, pending)
    }

    /// A small line of deliveries per minute for a table cell.
    static func sparkline(_ counts: [DeliveryRepository.MinuteCount], now: Int64, label: String) -> String {
        let series = perMinute(counts, now: now)
        let totals = zip(zip(series.ok, series.fail), series.pending).map { $0.0 + $0.1 + $1 }
        let failures = series.fail
        let peak = max(1, totals.max() ?? 1)
        func points(_ values: [Int]) -> String {
            values.enumerated().map { index, value in
                let x = Double(index) * 100.0 / Double(max(1, values.count - 1))
                let y = 19.0 - Double(value) * 18.0 / Double(peak)
                return "\(format(x)),\(format(y))"
            }.joined(separator: " ")
        }
        let total = totals.reduce(0, +)
        let failed = failures.reduce(0, +)
        return """
            <svg class="spark" viewBox="0 0 100 20" role="img" aria-label="\(escape(label)): \(total) deliveries, \(failed) failed">\
            <polyline class="series ok" points="\(points(totals))"/>\
            \(failed > 0 ? "<polyline class=\"series fail\" points=\"\(points(failures))\"/>" : "")</svg>
            """
    }

    /// Stacked bars of deliveries per minute by outcome, with axes, a legend and the figures as a table.
    static func deliveriesChart(_ counts: [DeliveryRepository.MinuteCount], now: Int64, title: String) -> String {
        let series = perMinute(counts, now: now)
        let width = 600.0
        let height = 160.0
        let left = 36.0
        let bottom = 140.0
        let peak = max(1, zip(zip(series.ok, series.fail), series.pending).map { $0.0 + $0.1 + $1 }.max() ?? 1)
        let barWidth = (width - left - 4) / Double(series.ok.count)
        var bars = ""
        for index in series.ok.indices {
            var y = bottom
            for (value, kind) in [(series.ok[index], "ok"), (series.fail[index], "fail"), (series.pending[index], "pending")] where value > 0 {
                let h = Double(value) * (bottom - 10) / Double(peak)
                y -= h
                bars +=
                    "<rect class=\"bar \(kind)\" x=\"\(format(left + Double(index) * barWidth))\" y=\"\(format(y))\" width=\"\(format(max(1, barWidth - 1)))\" height=\"\(format(h))\"/>"
            }
        }
        let id = "chart-\(abs(title.hashValue) % 100_000)"
        let totals = (series.ok.reduce(0, +), series.fail.reduce(0, +), series.pending.reduce(0, +))
        return """
            <figure class="chart"><svg viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-labelledby="\(id)-title">\
            <title id="\(id)-title">\(escape(title)): \(totals.0) succeeded, \(totals.1) failed, \(totals.2) pending</title>\
            <line class="axis" x1="\(left)" y1="\(bottom)" x2="\(width - 2)" y2="\(bottom)"/>\
            <line class="axis" x1="\(left)" y1="10" x2="\(left)" y2="\(bottom)"/>\
            <text class="tick" x="\(left - 4)" y="16" text-anchor="end">\(peak)</text>\
            <text class="tick" x="\(left - 4)" y="\(bottom)" text-anchor="end">0</text>\
            <text class="tick" x="\(left)" y="\(height - 4)">60 min ago</text>\
            <text class="tick" x="\(width - 2)" y="\(height - 4)" text-anchor="end">now</text>\
            \(bars)</svg>\
            <figcaption>\(escape(title))<ul class="legend"><li><span class="swatch ok"></span>Succeeded (\(totals.0))</li>\
            <li><span class="swatch fail"></span>Failed (\(totals.1))</li><li><span class="swatch pending"></span>Pending (\(totals.2))</li></ul></figcaption></figure>
            """
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
