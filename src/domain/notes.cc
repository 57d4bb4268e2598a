#include "domain/notes.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/field_problems.h"
#include "domain/enum_names.h"
#include "domain/shipped_data.h"

namespace rapport {

namespace {

constexpr EnumNames<NoteState, 2> kNoteStates{{
    {NoteState::kDraft, "draft"},
    {NoteState::kSigned, "signed"},
}};

bool IsKey(std::string_view key) {
  return !key.empty() && key.size() <= 40 && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || c == '_';
  });
}

bool IsCode(std::string_view code) {
  return !code.empty() && code.size() <= 40 && std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// A one-line text: NormalizeParagraphs without line breaks.
std::string Line(const std::optional<std::string>& text, const std::string& field,
                 std::size_t max_chars, bool required, FieldProblems& errors) {
  if (!text) return {};
  auto normal = NormalizeParagraphs(*text, field, max_chars, required);
  if (!normal) {
    errors.Take(normal);
    return {};
  }
  if (normal->find('\n') != std::string::npos) {
    errors.Add(field, "must be one line");
  }
  return *normal;
}

}  // namespace

Result<NoteTemplate> NoteTemplateFromJson(const Json& json) {
  FieldProblems errors;
  JsonObjectReader r(json);
  NoteTemplate t;
  t.code = r.RequiredString("code", kMaxTextReadBytes).value_or("");
  const auto name = r.RequiredString("name", kMaxTextReadBytes);
  const Json* sections = r.Required("sections");
  errors.Take(r.Finish());
  if (!errors.Empty() || sections == nullptr || !name) {
    if (errors.Empty()) errors.Add("sections", "is required");
    return Fail(errors.ToError("The template needs attention: "));
  }
  if (!IsCode(t.code)) errors.Add("code", "must be 1 to 40 letters, digits or hyphens");
  t.name = Line(name, "name", 100, true, errors);
  if (!sections->is_array() || sections->empty() || sections->size() > kMaxNoteSections) {
    errors.Add("sections", fmt::format("must be a list of 1 to {} sections", kMaxNoteSections));
  } else {
    std::set<std::string> keys;
    for (std::size_t i = 0; i < sections->size(); ++i) {
      const std::string at = fmt::format("sections/{}/", i);
      JsonObjectReader s((*sections)[i], at);
      NoteSection section;
      section.key = s.RequiredString("key", kMaxTextReadBytes).value_or("");
      const auto title = s.RequiredString("title", kMaxTextReadBytes);
      const auto prompt = s.OptionalString("prompt", kMaxTextReadBytes);
      const Status read = s.Finish();
      errors.Take(read);
      if (!read || !title) continue;
      if (!IsKey(section.key)) {
        errors.Add(at + "key", "must be 1 to 40 lower-case letters or underscores");
      } else if (!keys.insert(section.key).second) {
        errors.Add(at + "key", "is used by another section");
      }
      section.title = Line(title, at + "title", 100, true, errors);
      section.prompt = Line(prompt, at + "prompt", 500, false, errors);
      t.sections.push_back(std::move(section));
    }
  }
  RAPPORT_RETURN_IF_ERROR(errors.Verdict("The template needs attention: "));
  return t;
}

Json NoteTemplateToJson(const NoteTemplate& t) {
  Json sections = Json::array();
  for (const NoteSection& s : t.sections) {
    sections.push_back({{"key", s.key}, {"title", s.title}, {"prompt", s.prompt}});
  }
  return {{"code", t.code}, {"name", t.name}, {"sections", std::move(sections)}};
}

const std::vector<NoteTemplate>& ShippedNoteTemplates() {
  // The shipped file is checked by a test; a broken one must never reach a clinic.
  static const std::vector<NoteTemplate> templates = [] {
    std::vector<NoteTemplate> out;
    const Json file = Json::parse(ShippedNoteTemplatesJson(), nullptr, false);
    if (!file.is_object() || !file.contains("templates")) return out;
    for (const Json& t : file["templates"]) {
      if (auto parsed = NoteTemplateFromJson(t)) out.push_back(std::move(*parsed));
    }
    return out;
  }();
  return templates;
}

std::string_view ToString(NoteState state) {
  return EnumName(state, kNoteStates);
}
Result<NoteState> ParseNoteState(std::string_view text) {
  return ParseEnum(text, kNoteStates, "state");
}

Result<NoteSections> NoteSectionsFromJson(const NoteTemplate& note_template, const Json& sections) {
  if (!sections.is_object()) {
    return Fail(Error::Field("sections", "must be an object of section texts"));
  }
  FieldProblems errors;
  for (const auto& [key, value] : sections.items()) {
    const bool known = std::any_of(note_template.sections.begin(), note_template.sections.end(),
                                   [&](const NoteSection& s) { return s.key == key; });
    if (!known) errors.Add("sections/" + key, "is not a section of this note");
  }
  NoteSections out;
  for (const NoteSection& s : note_template.sections) {
    std::string text;
    if (auto it = sections.find(s.key); it != sections.end() && !it->is_null()) {
      const std::string field = "sections/" + s.key;
      if (!it->is_string()) {
        errors.Add(field, "must be text");
      } else if (auto normal = NormalizeParagraphs(it->get<std::string>(), field,
                                                   kMaxNoteSectionChars, false)) {
        text = std::move(*normal);
      } else {
        errors.Take(normal);
      }
    }
    out.emplace_back(s.key, std::move(text));
  }
  RAPPORT_RETURN_IF_ERROR(errors.Verdict("The note needs attention: "));
  return out;
}

Json NoteSectionsToJson(const NoteSections& sections) {
  Json out = Json::object();
  for (const auto& [key, text] : sections) out[key] = text;
  return out;
}

bool HasContent(const NoteSections& sections) {
  return std::any_of(sections.begin(), sections.end(),
                     [](const auto& s) { return !s.second.empty(); });
}

Result<std::string> ValidateAddendum(std::string_view text) {
  return NormalizeParagraphs(text, "text", kMaxAddendumChars, true);
}

}  // namespace rapport
