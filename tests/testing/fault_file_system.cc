#include "tests/testing/fault_file_system.h"

#include <utility>

namespace lineaged::testing {
namespace {

class FaultWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultWritableFile(FaultFileSystem* fs, std::string fname,
                    std::unique_ptr<rocksdb::FSWritableFile> target)
      : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs), fname_(std::move(fname)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->BeforeAppend(fname_, data);
    return s.ok() ? FSWritableFileOwnerWrapper::Append(data, options, dbg) : s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->BeforeAppend(fname_, data);
    return s.ok() ? FSWritableFileOwnerWrapper::Append(data, options, info, dbg) : s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->BeforeAppend(fname_, data);
    return s.ok() ? FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg) : s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->BeforeAppend(fname_, data);
    return s.ok() ? FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, info, dbg)
                  : s;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->BeforeSync(fname_);
    return s.ok() ? FSWritableFileOwnerWrapper::Sync(options, dbg) : s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = fs_->BeforeSync(fname_);
    return s.ok() ? FSWritableFileOwnerWrapper::Fsync(options, dbg) : s;
  }

 private:
  FaultFileSystem* const fs_;
  const std::string fname_;
};

}  // namespace

FaultFileSystem::FaultFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

void FaultFileSystem::Hold() {
  absl::MutexLock lock(&mu_);
  held_ = true;
}

void FaultFileSystem::Release() {
  absl::MutexLock lock(&mu_);
  held_ = false;
}

int FaultFileSystem::held_writers() const {
  absl::MutexLock lock(&mu_);
  return held_writers_;
}

void FaultFileSystem::SetNoSpaceFor(std::string marker) {
  absl::MutexLock lock(&mu_);
  no_space_marker_ = std::move(marker);
}

rocksdb::IOStatus FaultFileSystem::BeforeAppend(const std::string& fname,
                                                const rocksdb::Slice& data) {
  bool marked = false;
  {
    absl::MutexLock lock(&mu_);
    ++held_writers_;
    mu_.Await(absl::Condition(
        +[](bool* held) { return !*held; }, &held_));
    --held_writers_;
    marked = !no_space_marker_.empty() &&
             data.ToStringView().find(no_space_marker_) != std::string_view::npos;
  }
  if (!no_space_.load() && !marked) return rocksdb::IOStatus::OK();
  failed_appends_.fetch_add(1);
  // What PosixWritableFile returns on ENOSPC, path included.
  return rocksdb::IOStatus::NoSpace("While appending to file: " + fname, "No space left on device");
}

rocksdb::IOStatus FaultFileSystem::BeforeSync(const std::string& fname) {
  if (!sync_fails_.load()) return rocksdb::IOStatus::OK();
  // What PosixWritableFile returns when fdatasync fails with EIO.
  return rocksdb::IOStatus::IOError("While fdatasync: " + fname, "Input/output error");
}

rocksdb::IOStatus FaultFileSystem::NewWritableFile(const std::string& fname,
                                                   const rocksdb::FileOptions& options,
                                                   std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                   rocksdb::IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = target()->NewWritableFile(fname, options, &file, dbg);
  if (s.ok()) *result = std::make_unique<FaultWritableFile>(this, fname, std::move(file));
  return s;
}

rocksdb::IOStatus FaultFileSystem::ReopenWritableFile(
    const std::string& fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = target()->ReopenWritableFile(fname, options, &file, dbg);
  if (s.ok()) *result = std::make_unique<FaultWritableFile>(this, fname, std::move(file));
  return s;
}

rocksdb::IOStatus FaultFileSystem::ReuseWritableFile(
    const std::string& fname, const std::string& old_fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = target()->ReuseWritableFile(fname, old_fname, options, &file, dbg);
  if (s.ok()) *result = std::make_unique<FaultWritableFile>(this, fname, std::move(file));
  return s;
}

}  // namespace lineaged::testing
