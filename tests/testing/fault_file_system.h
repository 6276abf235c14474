#pragma once

// FaultFileSystem: a rocksdb::FileSystem for store tests that can make every
// write to a file fail as a full disk does (IOError NoSpace, whose message
// names the file like the POSIX file system's), or hold writes until
// released, without root or a real full disk. Pass it as
// graphstore::Options::file_system.
//
//   auto fs = std::make_shared<FaultFileSystem>();
//   options.file_system = fs;
//   fs->SetNoSpace(true);   // writes now fail
//   fs->SetNoSpace(false);  // "space returns"

#include <atomic>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "rocksdb/file_system.h"

namespace lineaged::testing {

// Thread-safe.
class FaultFileSystem : public rocksdb::FileSystemWrapper {
 public:
  // Wraps rocksdb::FileSystem::Default().
  FaultFileSystem();

  static const char* kClassName() { return "LineagedFaultFileSystem"; }
  const char* Name() const override { return kClassName(); }

  // While on, Append and PositionedAppend on every writable file fail with
  // IOError NoSpace.
  void SetNoSpace(bool on) { no_space_.store(on); }

  // While not empty, an append whose data contains `marker` fails with
  // IOError NoSpace: one write fails, those around it succeed.
  void SetNoSpaceFor(std::string marker);

  // While on, Sync and Fsync of every writable file fail with IOError (as
  // fsync's EIO does), while appends succeed.
  void SetSyncFails(bool on) { sync_fails_.store(on); }

  // While held, Append and PositionedAppend block until Release().
  void Hold();
  void Release();

  // Appends blocked by Hold() right now.
  int held_writers() const;

  // Appends failed with NoSpace so far.
  int failed_appends() const { return failed_appends_.load(); }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname,
                                       const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;

  // Called by the wrapped files before each append: blocks while held, then
  // fails if out of space.
  rocksdb::IOStatus BeforeAppend(const std::string& fname, const rocksdb::Slice& data);
  // Called by the wrapped files before each sync.
  rocksdb::IOStatus BeforeSync(const std::string& fname);

 private:
  std::atomic<bool> no_space_{false};
  std::atomic<bool> sync_fails_{false};
  std::atomic<int> failed_appends_{0};
  mutable absl::Mutex mu_;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  std::string no_space_marker_ ABSL_GUARDED_BY(mu_);
  int held_writers_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lineaged::testing
