#include "store/sqlite/sqlite_course.h"

#include <string>

#include "store/sqlite/sqlite_rows.h"

namespace rapport::sqlite {

Status PutEpisodeEnding(SqliteConnection& c, const EpisodeEnding& ending) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqliteQuery q,
      c.Prepare("INSERT INTO episode_endings (episode_id, reason, ended_by, ended_at, words) "
                "VALUES (?, ?, ?, ?, ?)"));
  q.Bind(ending.episode_id)
      .Bind(std::string(ToString(ending.words.reason)))
      .Bind(ending.ended_by)
      .Bind(ending.ended_at)
      .Bind(EndingWordsToJson(ending.words).dump());
  return Done(NameMissing(q.Run(), "episode or user does not exist"));
}

Result<EpisodeEnding> GetEpisodeEnding(SqliteConnection& c, EpisodeId episode_id) {
  RAPPORT_ASSIGN_OR_RETURN(SqliteQuery q, c.Prepare("SELECT episode_id, ended_by, ended_at, words "
                                                    "FROM episode_endings WHERE episode_id = ?"));
  q.Bind(episode_id);
  return One(
      q,
      [](const SqliteQuery& row) -> Result<EpisodeEnding> {
        EpisodeEnding ending;
        ending.episode_id = row.Int(0);
        ending.ended_by = row.Int(1);
        ending.ended_at = row.Int(2);
        // The text is what EndingWordsToJson wrote after validation; the display words it added
        // are read past.
        RAPPORT_ASSIGN_OR_RETURN(Json words, FromColumn(ParseJson(row.Text(3)), "episode ending"));
        words.erase("reason_words");
        RAPPORT_ASSIGN_OR_RETURN(ending.words,
                                 FromColumn(EndingWordsFromJson(words), "episode ending"));
        return ending;
      },
      "this episode has no recorded ending");
}

}  // namespace rapport::sqlite
