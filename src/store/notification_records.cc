#include "store/notification_records.h"

#include "domain/enum_names.h"

namespace rapport {

namespace {

constexpr EnumNames<Channel, 3> kChannels{{
    {Channel::kLive, "live"},
    {Channel::kEmail, "email"},
    {Channel::kWebhook, "webhook"},
}};

constexpr EnumNames<DeliveryState, 6> kDeliveryStates{{
    {DeliveryState::kPending, "pending"},
    {DeliveryState::kSending, "sending"},
    {DeliveryState::kSent, "sent"},
    {DeliveryState::kHeld, "held"},
    {DeliveryState::kSkipped, "skipped"},
    {DeliveryState::kFailed, "failed"},
}};

constexpr EnumNames<JobState, 3> kJobStates{{
    {JobState::kPending, "pending"},
    {JobState::kDone, "done"},
    {JobState::kCancelled, "cancelled"},
}};

}  // namespace

std::string_view ToString(Channel channel) {
  return EnumName(channel, kChannels);
}
Result<Channel> ParseChannel(std::string_view text) {
  return ParseEnum(text, kChannels, "channel");
}
int DeliveryPriority(const Notification& n) {
  if (n.channel == Channel::kLive) return 0;
  if (n.reason == "alert" || n.reason == "escalation") return 1;
  return 2;
}

std::string_view ToString(DeliveryState state) {
  return EnumName(state, kDeliveryStates);
}
Result<DeliveryState> ParseDeliveryState(std::string_view text) {
  return ParseEnum(text, kDeliveryStates, "state");
}
std::string_view ToString(JobState state) {
  return EnumName(state, kJobStates);
}
Result<JobState> ParseJobState(std::string_view text) {
  return ParseEnum(text, kJobStates, "state");
}

}  // namespace rapport
