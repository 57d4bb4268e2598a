#include "service/names.h"

namespace rapport {

Result<std::string> ClientName(Store& store, UserId client_id) {
  RAPPORT_ASSIGN_OR_RETURN(const User user, store.GetUser(client_id));
  auto profile = store.GetClientProfile(client_id);
  if (!profile && profile.error().code != ErrorCode::kNotFound) return Fail(profile.error());
  return CalledBy(profile ? profile->preferred_name : std::string(), user.display_name);
}

Result<ContactDetails> ContactOf(Store& store, UserId client_id) {
  ContactDetails details;
  auto stored = store.GetContactDetails(client_id);
  if (stored) {
    details = std::move(*stored);
  } else if (stored.error().code != ErrorCode::kNotFound) {
    return Fail(stored.error());
  }
  details.client_id = client_id;
  auto profile = store.GetClientProfile(client_id);
  if (profile) {
    details.preferred_name = profile->preferred_name;
  } else if (profile.error().code != ErrorCode::kNotFound) {
    return Fail(profile.error());
  }
  return details;
}

Result<std::string> Names::Client(UserId id) {
  if (auto it = clients_.find(id); it != clients_.end()) return it->second;
  RAPPORT_ASSIGN_OR_RETURN(std::string name, ClientName(store_, id));
  clients_[id] = name;
  return name;
}

Result<std::string> Names::User(UserId id) {
  if (auto it = users_.find(id); it != users_.end()) return it->second;
  RAPPORT_ASSIGN_OR_RETURN(const rapport::User user, store_.GetUser(id));
  users_[id] = user.display_name;
  return user.display_name;
}

}  // namespace rapport
