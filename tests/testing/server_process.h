#pragma once

// ServerProcess: runs the real `lineaged serve` binary as a child process on
// 127.0.0.1 with an ephemeral port, for black-box integration tests.
//
//   TempDir dir;
//   ServerProcess server(dir.path() + "/data", {"--validation=strict"});
//   ASSERT_TRUE(server.Start()) << server.error() << "\n" << server.log_contents();
//   HttpClient client("127.0.0.1", server.port());
//   ...
//   EXPECT_EQ(server.Stop(), 0);
//
// The binary is LINEAGED_SERVER_PATH (<build>/lineaged); the environment
// variable of the same name overrides it, e.g. to test a sanitizer build.

#include <chrono>
#include <string>
#include <vector>

#include <sys/types.h>

namespace lineaged::testing {

// Not thread-safe: start, stop and kill from one thread. port() may be read
// from any thread once Start() has returned.
class ServerProcess {
 public:
  // Longest wait for the port file after the fork.
  static constexpr std::chrono::seconds kStartTimeout{30};
  // Longest wait for the process to exit after SIGTERM before it is killed.
  static constexpr std::chrono::seconds kStopTimeout{30};

  // `data_dir` is passed as --data_dir; the port file (port-<n>) and the log
  // (server-<n>.log) go into its parent directory, which must exist.
  // `extra_flags` are appended to the command line verbatim.
  explicit ServerProcess(std::string data_dir, std::vector<std::string> extra_flags = {});

  // Stops the server if it is still running.
  ~ServerProcess();

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Forks and execs the server, then polls every 20 ms until the server has
  // written its port to the port file. Returns false, with error() set and the
  // child killed, if the process exits first, the port file never appears
  // within kStartTimeout, or it holds no valid port. Call at most once.
  [[nodiscard]] bool Start();

  // The TCP port the server listens on; 0 before a successful Start().
  int port() const { return port_; }

  // The gRPC port; 0 before Start() or when extra flags disabled gRPC.
  int grpc_port() const { return grpc_port_; }

  // True while the child has been started and has not been reaped.
  bool running() const { return pid_ > 0; }

  // True if the child is still alive (reaps it, without blocking, if it died).
  bool Alive();

  // Sends SIGTERM and waits for the exit. Returns the exit code, 128 + signal
  // number if a signal ended it, or -1 if it was not running. If it does not
  // exit within kStopTimeout it is killed with SIGKILL and -1 is returned.
  int Stop();

  // Sends SIGKILL and waits. Returns what Stop() would (normally 128 + 9).
  int Kill();

  // Sends `signal` (e.g. SIGHUP) without waiting; false if not running.
  bool Signal(int signal);

  // Why Start() failed; empty otherwise.
  const std::string& error() const { return error_; }

  // Everything the server wrote to stdout and stderr so far (for failure
  // messages).
  std::string log_contents() const;

  const std::string& data_dir() const { return data_dir_; }
  const std::string& log_path() const { return log_path_; }

 private:
  // Blocks in waitpid with a deadline; returns the decoded status or -1.
  int WaitForExit(std::chrono::steady_clock::time_point deadline);
  static int DecodeWaitStatus(int status);

  std::string data_dir_;
  std::vector<std::string> extra_flags_;
  std::string port_file_;
  std::string log_path_;
  std::string error_;
  pid_t pid_ = -1;
  int port_ = 0;
  int grpc_port_ = 0;
};

}  // namespace lineaged::testing
