import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The lock that makes one `patchbay serve` the owner of a SQLite data directory: `flock` on `<dir>/serve.lock`,
/// held for the life of the process (the kernel releases it when the process ends, however it ends), with the
/// owner's pid written in it for the message a second server prints.
enum DataDirectoryLock {
    /// The exit status of a server that finds the directory owned.
    static let ownedExitStatus: Int32 = 2

    /// Takes the lock, or returns why it cannot: the message names the directory and the owner's pid.
    static func acquire(directory: String) -> String? {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            return "cannot create the data directory \(directory): \(error.localizedDescription)"
        }
        let path = (directory as NSString).appendingPathComponent("serve.lock")
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return "cannot open \(path): \(String(cString: strerror(errno)))" }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = read(descriptor, &buffer, buffer.count)
            let owner = count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            close(descriptor)
            return "another patchbay serve (pid \(owner)) owns the data directory \(directory); stop it first, "
                + "or give this one its own --data-dir (instances that share data share PostgreSQL: --database-url)"
        }
        // Kept open on purpose: closing the descriptor would release the lock.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, pid, pid.count, 0)
        return nil
    }
}
