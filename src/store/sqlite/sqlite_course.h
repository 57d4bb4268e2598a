#pragma once
// Internal to the SQLite backend: the queries behind the course of therapy's records (how an
// episode ended). Each takes the connection it runs on, so the read pool and the write
// transaction share one text of every query.

#include "core/result.h"
#include "domain/ending.h"
#include "store/sqlite/sqlite_connection.h"

namespace rapport::sqlite {

// Writes (the writer connection, inside its transaction).
Status PutEpisodeEnding(SqliteConnection& c, const EpisodeEnding& ending);

// Reads (any connection). kNotFound when the episode has no recorded ending.
Result<EpisodeEnding> GetEpisodeEnding(SqliteConnection& c, EpisodeId episode_id);

}  // namespace rapport::sqlite
