#pragma once

// Names the calling thread, so that `top -H`, `ps -L`, /proc/<pid>/task/*/comm
// and profilers tell lineaged's threads apart. Linux keeps at most 15
// characters; longer names are cut.

#include <pthread.h>

#include <string>
#include <string_view>

namespace lineaged::graphstore {

inline void NameThisThread(std::string_view name) {
  const std::string cut(name.substr(0, 15));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace lineaged::graphstore
