import Foundation
import Glibc

/// A fresh directory under /tmp (mkdtemp), removed with its contents on deinit.
package final class TemporaryDirectory {
    package let path: String

    package init(prefix: String = "cnitest") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard made else {
            throw CommandFailure(argv: ["mkdtemp"], status: errno, stderr: String(cString: strerror(errno)))
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/name`
    package func file(_ name: String) -> String { "\(path)/\(name)" }
}
