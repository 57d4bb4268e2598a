#pragma once
// Internal to service/: the names answers show for people, looked up through the Store.

#include <map>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace rapport {

// The name a therapist knows the client by: the preferred name when set, else the display name.
inline const std::string& CalledBy(const std::string& preferred_name,
                                   const std::string& display_name) {
  return preferred_name.empty() ? display_name : preferred_name;
}
// CalledBy, from the client's account and profile.
Result<std::string> ClientName(Store& store, UserId client_id);

// The client's contact details as stored, with the profile's preferred name; empty details
// (updated_at 0) when nothing has been written yet. Not audited: callers audit the reading.
Result<ContactDetails> ContactOf(Store& store, UserId client_id);

// Caches names looked up while building one answer. Not thread-safe: one per call.
class Names {
 public:
  explicit Names(Store& store) : store_(store) {}
  Result<std::string> Client(UserId id);  // ClientName
  Result<std::string> User(UserId id);    // the display name
  Store& store() { return store_; }

 private:
  Store& store_;
  std::map<UserId, std::string> clients_, users_;
};

}  // namespace rapport
