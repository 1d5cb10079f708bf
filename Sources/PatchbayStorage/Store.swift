import Foundation
import Logging
import PatchbayCore

/// Every repository over one database. The same type serves SQLite and PostgreSQL: repositories are written
/// once against `DatabaseDriver`, and the drivers absorb the dialects' differences.
public struct Store: Sendable {
    public let driver: any DatabaseDriver
    /// Seals secrets (webhook signing secrets, authorization tokens) before they reach the database.
    public let secrets: SecretBox
    public var organizations: OrganizationRepository { OrganizationRepository(driver: driver) }
    public var users: UserRepository { UserRepository(driver: driver) }
    public var integrations: IntegrationRepository { IntegrationRepository(driver: driver) }
    public var tokens: TokenRepository { TokenRepository(driver: driver) }
    public var events: EventRepository { EventRepository(driver: driver, combiner: combiner) }
    public var eventTypes: EventTypeRepository { EventTypeRepository(driver: driver) }
    public var webhooks: WebhookRepository { WebhookRepository(driver: driver, secrets: secrets) }
    public var deliveries: DeliveryRepository { DeliveryRepository(driver: driver) }
    public var installations: InstallationRepository { InstallationRepository(driver: driver, secrets: secrets) }
    public var actions: ActionRepository { ActionRepository(driver: driver) }
    public var commands: CommandRepository { CommandRepository(driver: driver) }
    public var console: ConsoleRepository { ConsoleRepository(driver: driver) }
    public var retention: RetentionRepository { RetentionRepository(driver: driver) }
    public var inbound: InboundRepository { InboundRepository(driver: driver, secrets: secrets, combiner: inboundCombiner) }

    /// Shared by every copy of this store, so concurrent publishes find each other.
    let combiner: PublishCombiner
    let inboundCombiner: InboundRepository.Combiner

    public init(driver: any DatabaseDriver, secrets: SecretBox) {
        self.driver = driver
        self.secrets = secrets
        self.combiner = PublishCombiner(driver: driver)
        self.inboundCombiner = InboundRepository.combiner(driver: driver)
    }

    /// SQLite in `dataDirectory/patchbay.sqlite` (the directory is created), or PostgreSQL when a URL is given.
    public static func open(
        dataDirectory: String, databaseURL: String?, secrets: SecretBox, sqliteSynchronous: SQLiteSynchronous = .full, logger: Logger
    ) async throws -> Store {
        if let databaseURL, !databaseURL.isEmpty {
            return Store(driver: try PostgresDriver(url: databaseURL, logger: logger), secrets: secrets)
        }
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw StorageError.unavailable("cannot create the data directory \(dataDirectory)")
        }
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent("patchbay.sqlite").path
        return Store(driver: try await SQLiteDriver.open(path: path, synchronous: sqliteSynchronous, logger: logger), secrets: secrets)
    }

    /// Whether the database answers.
    public func ping() async -> Bool {
        (try? await driver.query("SELECT 1 AS ok").first?.int("ok")) == 1
    }
}
