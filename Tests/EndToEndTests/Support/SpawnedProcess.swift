import Foundation

/// SpawnedProcess starts a child with `posix_spawn` in a process group of its own, with every signal unblocked and
/// at its default. Foundation's `Process` started from a test thread passes on that thread's blocked signals, so a
/// shell script's `trap ... TERM` (and every child it starts) would never see SIGTERM; and the process group lets
/// a test stop a script together with everything the script started.
final class SpawnedProcess {
    let pid: pid_t
    private var status: Int32?

    /// Runs `executable` with `arguments` (argv[0] is added), stdin from /dev/null, stdout and stderr appended to
    /// `logPath`, with `environment` added to this process's.
    init(_ executable: String, _ arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        pid = child
    }

    /// Sends `signal` to the child alone.
    func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits up to `timeout` seconds for the child to exit; its exit status (128+N for signal N), or nil if it runs on.
    func wait(timeout: Double) -> Int32? {
        if let status { return status }
        let deadline = Date().addingTimeInterval(timeout)
        var raw: Int32 = 0
        while true {
            let r = waitpid(pid, &raw, WNOHANG)
            if r == pid {
                let signalled = raw & 0x7f
                status = signalled == 0 ? (raw >> 8) & 0xff : 128 + signalled
                return status
            }
            if r < 0 || Date() >= deadline { return nil }
            usleep(20_000)
        }
    }

    /// SIGKILLs the whole process group (the child and whatever it started) and reaps the child.
    func killGroup() {
        kill(-pid, SIGKILL)
        _ = wait(timeout: 10)
    }
}
