#pragma once
// The one way into Boost.Asio and Boost.Beast. Boost 1.74's coroutine support fails to compile
// on g++ 12 unless <utility> comes before any Asio header, so every file that needs Asio or
// Beast includes this header and never the Boost headers directly. Keep it inside src/http:
// these headers cost seconds per translation unit.

#include <utility>  // must precede Asio (see above)

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace rapport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;

}  // namespace rapport
