import Foundation

/// An event as a delivery carries it: the envelope's JSON, rendered once per send from the stored row.
public struct EventEnvelope: Sendable, Equatable {
    public var eventId: String
    public var json: [UInt8]

    public init(eventId: String, json: [UInt8]) {
        self.eventId = eventId
        self.json = json
    }

    /// The envelope of a stored event, spliced from its columns: `actor` and `data` are the stored JSON texts,
    /// written by `JSONEncoder` with sorted keys, so the result is byte for byte what encoding the decoded `Event`
    /// gives, without decoding and re-encoding the payload on every send.
    public static func assemble(id: String, type: String, createdAt: Int64, organizationId: String, actorJSON: String, dataJSON: String)
        -> EventEnvelope
    {
        let action = Event.action(of: type)
        var json: [UInt8] = []
        json.reserveCapacity(dataJSON.utf8.count + actorJSON.utf8.count + 160)
        json.append(contentsOf: #"{"action":"#.utf8)
        JSONText.appendString(action, to: &json)
        json.append(contentsOf: #","actor":"#.utf8)
        json.append(contentsOf: actorJSON.utf8)
        json.append(contentsOf: #","createdAt":"#.utf8)
        json.append(0x22)
        Timestamp.append(createdAt, to: &json)
        json.append(0x22)
        json.append(contentsOf: #","data":"#.utf8)
        json.append(contentsOf: dataJSON.utf8)
        json.append(contentsOf: #","id":"#.utf8)
        JSONText.appendString(id, to: &json)
        json.append(contentsOf: #","organizationId":"#.utf8)
        JSONText.appendString(organizationId, to: &json)
        json.append(contentsOf: #","type":"#.utf8)
        JSONText.appendString(type, to: &json)
        json.append(0x7D)
        return EventEnvelope(eventId: id, json: json)
    }
}

extension Event {
    /// This event's envelope, encoded (events not read from the store: handshakes, tests).
    public func envelope() throws -> EventEnvelope {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return EventEnvelope(eventId: id, json: Array(try encoder.encode(self)))
    }
}
