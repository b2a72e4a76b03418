import CNISystem

/// A temp file of an interrupted replacement (`.<name>.tmp-<pid>-<hex>`, see
/// `FileSystem.temporaryFileName`) in one of the suite's state directories.
struct TempFile: Sendable, Equatable {
    var path: String
    var pid: Int32
    /// Whether the writer still runs (nil: could not tell).
    var writerAlive: Bool?

    /// The writer's pid when `name` is such a temp file (`FileSystem.temporaryFileName`'s rule).
    static func writerPID(ofFileName name: String) -> Int32? {
        FileSystem.temporaryFileParts(name)?.pid
    }
}
