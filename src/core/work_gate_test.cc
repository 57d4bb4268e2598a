#include "core/work_gate.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

namespace rapport {
namespace {

TEST(WorkGate, TurnsAwayAtOnceWhenEverySlotAndSeatIsTaken) {
  WorkGate gate(1, 1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;

  WorkGate::Ticket running = gate.Enter();
  ASSERT_TRUE(running);
  std::thread worker([&, ticket = std::move(running)]() mutable {
    ticket.Run([&] {
      started.set_value();
      released.wait();
      return 0;
    });
  });
  started.get_future().wait();

  WorkGate::Ticket waiting = gate.Enter();  // the one seat in the waiting room
  ASSERT_TRUE(waiting);
  WorkGate::Ticket refused = gate.Enter();
  EXPECT_FALSE(refused);
  EXPECT_EQ(gate.rejected(), 1);

  release.set_value();
  worker.join();
  EXPECT_EQ(waiting.Run([] { return 7; }), 7);
  EXPECT_TRUE(gate.Enter());  // room again once the work is done
}

TEST(WorkGate, NeverRunsMoreThanItsSlotsAtOnceUnderParallelLoad) {
  WorkGate gate(2, 64);
  std::atomic<int> now{0};
  std::atomic<int> most{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&] {
      WorkGate::Ticket ticket = gate.Enter();
      ASSERT_TRUE(ticket);
      ticket.Run([&] {
        const int n = ++now;
        int seen = most.load();
        while (n > seen && !most.compare_exchange_weak(seen, n)) {
        }
        std::this_thread::yield();
        --now;
        return 0;
      });
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_LE(most.load(), 2);
  EXPECT_LE(gate.peak_running(), 2);
  EXPECT_EQ(gate.rejected(), 0);
}

TEST(WorkGate, ATicketNeverRunGivesItsPlaceBack) {
  WorkGate gate(1, 0);
  {
    WorkGate::Ticket unused = gate.Enter();
    ASSERT_TRUE(unused);
  }
  EXPECT_TRUE(gate.Enter());
}

}  // namespace
}  // namespace rapport
