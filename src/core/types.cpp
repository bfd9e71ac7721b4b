#include "core/types.hpp"

namespace memphase {

std::string_view to_string(NetClass c) {
  switch (c) {
    case NetClass::fail: return "fail";
    case NetClass::lc: return "LC";
    case NetClass::sp: return "SP";
    case NetClass::unstable: return "unstable";
  }
  return "?";
}

std::string_view to_string(Status s) {
  switch (s) {
    case Status::done: return "done";
    case Status::diverged: return "diverged";
    case Status::aborted: return "aborted";
  }
  return "?";
}

}  // namespace memphase
