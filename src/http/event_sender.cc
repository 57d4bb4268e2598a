#include "http/event_sender.h"

#include <utility>
#include <vector>

#include "http/event_parts.h"

namespace rapport {

namespace {

// A database that stops answering must not make the server hold an unbounded backlog.
constexpr std::size_t kMostQueued = 10'000;

}  // namespace

EventSender::EventSender(ServerEvents& events, std::string me)
    : events_(events), me_(std::move(me)), thread_([this] { Run(); }) {}

EventSender::~EventSender() {
  Stop();
}

void EventSender::Queue(std::string message, std::string to, std::function<void()> failed) {
  {
    const std::lock_guard lock(mu_);
    if (!stopping_ && queue_.size() < kMostQueued) {
      queue_.push_back(Item{std::move(message), std::move(to), std::move(failed)});
      wake_.notify_one();
      return;
    }
  }
  if (failed) failed();
}

void EventSender::Stop() {
  {
    const std::lock_guard lock(mu_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

bool EventSender::SendOne(const Item& item) {
  if (item.to.empty() || item.message.size() <= kMaxServerEventBytes) {
    return events_.Send(item.message).has_value();
  }
  const std::vector<std::string> parts = SplitEvent(item.message, item.to, me_, ++next_id_);
  if (parts.empty()) return false;
  for (const std::string& part : parts) {
    if (!events_.Send(part)) return false;
  }
  return true;
}

void EventSender::Run() {
  for (;;) {
    Item item;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    if (SendOne(item)) continue;
    if (item.failed) item.failed();
    bool stopping = false;
    {
      const std::lock_guard lock(mu_);
      stopping = stopping_;
    }
    if (!stopping) continue;
    // Stopping with the database gone: what is left would fail as well.
    std::deque<Item> rest;
    {
      const std::lock_guard lock(mu_);
      rest.swap(queue_);
    }
    for (Item& left : rest) {
      if (left.failed) left.failed();
    }
    return;
  }
}

}  // namespace rapport
