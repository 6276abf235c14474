#include "tests/testing/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <sys/prctl.h>
#include <sys/wait.h>

namespace lineaged::testing {
namespace {

constexpr std::chrono::milliseconds kPollInterval{20};

std::string ServerBinary() {
  const char* from_env = std::getenv("LINEAGED_SERVER_PATH");
  if (from_env != nullptr && from_env[0] != '\0') return from_env;
  return LINEAGED_SERVER_PATH;
}

// Returns the port in `path`, or 0 while the file is missing, empty or not
// (yet) a whole decimal port number.
int ReadPortFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return 0;
  std::stringstream contents;
  contents << in.rdbuf();
  std::string text = contents.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size()) return 0;
  return (port > 0 && port <= 65535) ? port : 0;
}

}  // namespace

ServerProcess::ServerProcess(std::string data_dir, std::vector<std::string> extra_flags)
    : data_dir_(std::move(data_dir)), extra_flags_(std::move(extra_flags)) {
  // Unique per process, so that a restarted server never sees the port file of
  // its predecessor.
  static std::atomic<int> next_id{1};
  const int id = next_id.fetch_add(1);
  std::filesystem::path parent = std::filesystem::path(data_dir_).parent_path();
  if (parent.empty()) parent = ".";
  port_file_ = (parent / ("port-" + std::to_string(id))).string();
  log_path_ = (parent / ("server-" + std::to_string(id) + ".log")).string();
}

ServerProcess::~ServerProcess() {
  if (running()) Stop();
}

bool ServerProcess::Start() {
  if (pid_ > 0 || port_ != 0) {
    error_ = "ServerProcess::Start called twice";
    return false;
  }
  std::error_code ec;
  std::filesystem::remove(port_file_, ec);
  std::filesystem::remove(port_file_ + ".grpc", ec);

  // Everything the child needs is prepared before fork(): between fork and exec
  // only async-signal-safe calls are allowed.
  const std::string binary = ServerBinary();
  std::vector<std::string> args = {
      binary,
      "serve",
      "--http_address=127.0.0.1",
      "--http_port=0",
      "--data_dir=" + data_dir_,
      "--port_file=" + port_file_,
      // gRPC on an ephemeral loopback port too, so parallel tests never collide.
      "--grpc_address=127.0.0.1",
      "--grpc_port=0",
      "--grpc_port_file=" + port_file_ + ".grpc",
  };
  args.insert(args.end(), extra_flags_.begin(), extra_flags_.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    error_ = "cannot open " + log_path_ + ": " + std::strerror(errno);
    return false;
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    error_ = std::string("cannot open /dev/null: ") + std::strerror(errno);
    close(log_fd);
    return false;
  }
  const pid_t parent_pid = getpid();

  const pid_t pid = fork();
  if (pid < 0) {
    error_ = std::string("fork failed: ") + std::strerror(errno);
    close(log_fd);
    close(null_fd);
    return false;
  }
  if (pid == 0) {
    // Do not outlive a test binary that crashes or is killed by ctest.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent_pid) _exit(127);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    // Client sockets of the test must not leak into the server.
    close_range(3, ~0U, 0);
    execv(argv[0], argv.data());
    static constexpr char kMessage[] = "ServerProcess: execv failed\n";
    ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
    (void)ignored;
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  pid_ = pid;

  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (true) {
    if (const int port = ReadPortFile(port_file_); port != 0) {
      port_ = port;
      // The server writes the gRPC port file (if gRPC is on) before the HTTP one.
      grpc_port_ = ReadPortFile(port_file_ + ".grpc");
      return true;
    }
    int status = 0;
    const pid_t reaped = waitpid(pid_, &status, WNOHANG);
    if (reaped == pid_) {
      pid_ = -1;
      error_ = binary + " exited before writing " + port_file_ + " (status " +
               std::to_string(DecodeWaitStatus(status)) + ")";
      return false;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      Kill();
      error_ = binary + " wrote no port to " + port_file_ + " within " +
               std::to_string(kStartTimeout.count()) + " s";
      return false;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

bool ServerProcess::Alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  const int result = WaitForExit(std::chrono::steady_clock::now() + kStopTimeout);
  if (pid_ > 0) {
    // Did not stop in time: do not leave it behind.
    Kill();
    return -1;
  }
  return result;
}

int ServerProcess::Kill() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGKILL);
  return WaitForExit(std::chrono::steady_clock::time_point::max());
}

bool ServerProcess::Signal(int signal) { return pid_ > 0 && kill(pid_, signal) == 0; }

int ServerProcess::WaitForExit(std::chrono::steady_clock::time_point deadline) {
  while (true) {
    int status = 0;
    const pid_t reaped = waitpid(pid_, &status, WNOHANG);
    if (reaped == pid_) {
      pid_ = -1;
      return DecodeWaitStatus(status);
    }
    if (reaped < 0 && errno != EINTR) {
      pid_ = -1;  // ECHILD: already reaped elsewhere
      return -1;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(kPollInterval);
  }
}

int ServerProcess::DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string ServerProcess::log_contents() const {
  std::ifstream in(log_path_, std::ios::binary);
  if (!in) return "(no server log at " + log_path_ + ")";
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace lineaged::testing
