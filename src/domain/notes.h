#pragma once
// Session notes: one progress note per appointment, written in the sections of a template the
// clinic keeps as data (DAP and SOAP are shipped), a draft until its author signs it, then
// never changed again, only added to by signed addenda. Pure: the service layer decides who may
// write and read, and audits every read.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/people.h"

namespace rapport {

using NoteId = std::int64_t;
using AddendumId = std::int64_t;

struct NoteSection {
  std::string key;     // [a-z_]{1,40}, unique in the template
  std::string title;   // 1..100 bytes: "Data"
  std::string prompt;  // 0..500 bytes: what belongs here
  friend bool operator==(const NoteSection&, const NoteSection&) = default;
};

struct NoteTemplate {
  std::string code;                   // 1..40 of [A-Za-z0-9-]: "DAP"
  std::string name;                   // 1..100 bytes: "DAP (Data, Assessment, Plan)"
  std::vector<NoteSection> sections;  // 1..12
  friend bool operator==(const NoteTemplate&, const NoteTemplate&) = default;
};

inline constexpr std::size_t kMaxNoteSections = 12;
inline constexpr std::size_t kMaxNoteSectionChars = 8000;
inline constexpr std::size_t kMaxAddendumChars = 4000;

// A template read from JSON ({"code", "name", "sections": [{"key", "title", "prompt"}]}); every
// problem named by its path ("sections/0/key").
Result<NoteTemplate> NoteTemplateFromJson(const Json& json);
Json NoteTemplateToJson(const NoteTemplate& note_template);

// The templates shipped with Rapport (rules/note-templates.json), DAP first: the default.
const std::vector<NoteTemplate>& ShippedNoteTemplates();

enum class NoteState { kDraft, kSigned };
std::string_view ToString(NoteState state);  // "draft", "signed"
Result<NoteState> ParseNoteState(std::string_view text);

// The text of each section, in the template's order; a section never written is empty.
using NoteSections = std::vector<std::pair<std::string, std::string>>;

struct NoteAddendum {
  AddendumId id = 0;
  NoteId note_id = 0;
  UserId author_id = 0;
  std::string text;
  Timestamp created_at = 0;
};

struct SessionNote {
  NoteId id = 0;
  AppointmentId appointment_id = 0;
  EpisodeId episode_id = 0;
  UserId author_id = 0;
  NoteTemplate note_template;  // as it was when the note was started
  NoteSections sections;
  NoteState state = NoteState::kDraft;
  Timestamp created_at = 0, updated_at = 0;
  std::optional<Timestamp> signed_at;
  UserId signed_by = 0;               // 0 until signed
  std::vector<NoteAddendum> addenda;  // oldest first
};

// Reads {"key": text, ...} against `note_template`: every key must be a section's ("sections/k":
// "is not a section of this note"), every text a string of at most kMaxNoteSectionChars
// characters, normalised as paragraphs. Sections not given are empty. The result follows the
// template's order.
Result<NoteSections> NoteSectionsFromJson(const NoteTemplate& note_template, const Json& sections);
Json NoteSectionsToJson(const NoteSections& sections);

// Whether any section holds text: an empty note is not signed.
bool HasContent(const NoteSections& sections);

// An addendum's text: 1..kMaxAddendumChars characters, normalised; field "text".
Result<std::string> ValidateAddendum(std::string_view text);

}  // namespace rapport
