#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <ostream>  // boost 1.74 beast headers use std::ostream without including it

#include <boost/beast/http/verb.hpp>

namespace berth::api {

class Exchange;

// Serves one request: reads from the exchange and replies through it.
// Throws berth::Error to reply with the error's status and JSON body.
using Handler = std::function<void(Exchange&)>;

// Removes a leading API version ("/v1.41", "/v4.0.0", "/v5") from a path:
// "/v1.41/containers/json" gives "/containers/json". Other paths are
// returned as they are.
std::string_view strip_version(std::string_view path);

// The table of routes. A pattern is a path whose segments are literal or
// "{name}" (one segment), and at most one "{name...}" that takes one or
// more segments (image names hold slashes): "/images/{name...}/json".
class Router {
 public:
  struct Match {
    const Handler* handler = nullptr;  // null when nothing matched
    bool method_not_allowed = false;   // the path matched under another method
    bool quick = false;                // the route was added with add_quick
    std::map<std::string, std::string> params;  // percent-decoded
  };

  void add(boost::beast::http::verb method, const std::string& pattern, Handler handler);
  // Adds a route whose handler must not wait (no runtime, registry or
  // container exit) and replies with a small body; nothing checks this.
  // The service runs it on its event loop instead of a thread of its own.
  void add_quick(boost::beast::http::verb method, const std::string& pattern, Handler handler);
  // Finds the route for method and path (already without its version). A
  // HEAD request matches a GET route when no HEAD route exists.
  Match find(boost::beast::http::verb method, std::string_view path) const;

 private:
  struct Route {
    boost::beast::http::verb method;
    std::vector<std::string> segments;
    int greedy = -1;  // index of the "{name...}" segment, or -1
    Handler handler;
    bool quick = false;
  };
  static bool match(const Route& route, const std::vector<std::string_view>& path,
                    std::map<std::string, std::string>& params);

  std::vector<Route> routes_;
};

}  // namespace berth::api
