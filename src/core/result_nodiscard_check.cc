// Compiled by the test core.result_is_nodiscard, never linked: with RAPPORT_DROP_RESULT it drops
// a Result and a Status, which must not compile; without it the same file compiles cleanly, so
// the refusal is for the dropped values and nothing else.

#include "core/result.h"

namespace rapport {

Result<int> Parse(int x) {
  if (x < 0) return Fail(Error::InvalidArgument("negative"));
  return x;
}

Status Save(int x) {
  RAPPORT_ASSIGN_OR_RETURN(const int parsed, Parse(x));
  return parsed > 100 ? Fail(Error::InvalidArgument("too large")) : Ok();
}

int Caller() {
#ifdef RAPPORT_DROP_RESULT
  Parse(1);
  Save(2);
#else
  (void)Save(2);
  return Parse(1).value_or(0);
#endif
  return 0;
}

}  // namespace rapport
