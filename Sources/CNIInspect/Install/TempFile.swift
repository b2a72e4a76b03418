import CNISystem

/// A temp file of an interrupted replacement (`.<name>.tmp-<pid>-<hex>`, see
/// `FileSystem.temporaryFileName`) in one of the suite's state directories.
public struct TempFile: Sendable, Equatable {
    public var path: String
    public var pid: Int32
    /// Whether the writer still runs (nil: could not tell).
    public var writerAlive: Bool?

    public init(path: String, pid: Int32, writerAlive: Bool?) {
        self.path = path
        self.pid = pid
        self.writerAlive = writerAlive
    }

    /// The writer's pid when `name` is such a temp file (`FileSystem.temporaryFileName`'s rule).
    public static func writerPID(ofFileName name: String) -> Int32? {
        FileSystem.temporaryFileParts(name)?.pid
    }
}
