#include "http/room_homes.h"

#include <algorithm>

namespace rapport {

std::optional<std::string> RoomHomes::HomeOf(AppointmentId room) const {
  const auto it = homes_.find(room);
  if (it == homes_.end()) return std::nullopt;
  return it->second;
}

bool RoomHomes::HomeOfAny() const {
  return std::ranges::any_of(homes_, [&](const auto& entry) { return entry.second == me_; });
}

bool RoomHomes::Claimed(AppointmentId room, const std::string& server, Time now) {
  Alive(server, now);
  const auto [it, first] = homes_.try_emplace(room, server);
  return !first && it->second == me_ && server != me_;
}

bool RoomHomes::Answered(AppointmentId room, const std::string& server, Time now) {
  Alive(server, now);
  std::string& home = homes_[room];
  const bool lost = home == me_ && server != me_;
  home = server;
  return lost;
}

void RoomHomes::Released(AppointmentId room, const std::string& server, Time now) {
  Alive(server, now);
  const auto it = homes_.find(room);
  if (it != homes_.end() && it->second == server) homes_.erase(it);
}

void RoomHomes::Alive(const std::string& server, Time now) {
  if (server != me_) heard_[server] = now;
}

void RoomHomes::Forget(AppointmentId room) {
  const auto it = homes_.find(room);
  if (it != homes_.end() && it->second == me_) homes_.erase(it);
}

std::vector<std::string> RoomHomes::Silent(Time now, std::chrono::steady_clock::duration silence) {
  std::vector<std::string> silent;
  for (auto it = heard_.begin(); it != heard_.end();) {
    if (it->second + silence < now) {
      silent.push_back(it->first);
      it = heard_.erase(it);
    } else {
      ++it;
    }
  }
  std::erase_if(homes_, [&](const auto& entry) {
    return std::ranges::find(silent, entry.second) != silent.end();
  });
  return silent;
}

}  // namespace rapport
