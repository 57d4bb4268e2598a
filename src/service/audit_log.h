#pragma once
// Internal to service/: building and appending audit entries. Every clinical read or write goes
// through here so that the entries look alike.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "service/actor.h"
#include "store/store.h"

namespace rapport::audit {

// A record's id as the audit trail writes it.
inline std::string Id(std::int64_t id) {
  return std::to_string(id);
}

// One record an actor touched: ("client", "42").
struct Touch {
  std::string record_type;
  std::string record_id;
};

AuditEntry Entry(const Actor& actor, Timestamp at, std::string action, std::string record_type,
                 std::string record_id);

// Appends one entry inside an existing write.
Status Append(WriteTxn& txn, const Actor& actor, Timestamp at, std::string action,
              std::string record_type, std::string record_id);

// Appends one "read" entry naming every record touched (the first as its record, the others as
// its subjects) in a write of its own; Ok at once when there are none. Callers return data only
// after this succeeded.
Status Reads(Store& store, const Actor& actor, Timestamp at, std::vector<Touch> touched);

}  // namespace rapport::audit
