#include "demo/demo_answers.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace rapport {

Answers AnswersNear(const Instrument& instrument, double target, std::mt19937& random) {
  const Scale& total = instrument.TotalScale();
  const double span = total.max_score - total.min_score;
  const double level = span > 0 ? std::clamp((target - total.min_score) / span, 0.0, 1.0) : 0;
  Answers answers;
  std::vector<const Item*> items;
  for (const Item& item : instrument.items) {
    if (item.type == ItemType::kText || !item.scored) continue;
    const bool in_total =
        std::find(total.items.begin(), total.items.end(), item.id) != total.items.end();
    if (!in_total && !item.required) continue;
    items.push_back(&item);
  }
  for (const Item* item : items) {
    std::vector<double> values;
    if (item->type == ItemType::kChoice) {
      for (const auto& o : item->options) values.push_back(o.value);
      std::sort(values.begin(), values.end());
    } else {
      for (double v = item->min; v <= item->max + 1e-9; v += item->step) values.push_back(v);
    }
    if (values.empty()) continue;
    const double wanted = item->reverse ? 1 - level : level;
    double position = wanted * static_cast<double>(values.size() - 1);
    const std::uint32_t roll = random() % 10;
    if (roll == 0) position -= 1;
    if (roll == 1) position += 1;
    const auto index = static_cast<std::size_t>(
        std::clamp(std::lround(position), 0L, static_cast<long>(values.size() - 1)));
    answers.values[item->id] = values[index];
  }
  // Risk items say nothing unless the story says so.
  for (const RiskRule& r : instrument.risk) {
    if (const Item* item = instrument.FindItem(r.item)) {
      answers.values[r.item] = item->type == ItemType::kChoice && !item->options.empty()
                                   ? item->options.front().value
                                   : item->min;
    }
  }
  return answers;
}

}  // namespace rapport
