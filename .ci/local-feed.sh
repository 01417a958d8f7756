# Shared by .ci/consumer-test and .ci/tutorial-test (sourced, not run): the AttrDsl package in a local folder feed, as a
# fresh project outside the repository gets it.
#   feed_init               sets FEED_VERSION (a version of this run's own, so a stale copy of the package is never
#                           used) and FEED_PACKAGES (NuGet's global packages folder)
#   feed_cleanup            removes this run's version from the global packages folder (call it from an EXIT trap)
#   feed_sources DIR        the enabled package sources as seen from DIR, one "name<TAB>url" a line
#   feed_write_config FILE FEED
#                           a nuget.config with the local FEED ('attrdsl-local') and the sources this repository restores
#                           from (names kept, so credentials configured for them still apply), mapped as below
#   feed_map_sources FILE   adds package source mapping to the nuget.config FILE: AttrDsl from 'attrdsl-local' only,
#                           every package from each other enabled source seen from FILE's folder
# Needs $root (the repository root) set by the caller.

feed_init() {
  FEED_VERSION="0.1.0-ci.$(date -u +%Y%m%d%H%M%S).$$"
  FEED_PACKAGES="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')"
  FEED_PACKAGES="${FEED_PACKAGES%/}"
  [[ -n "$FEED_PACKAGES" ]] || { echo "local-feed: cannot find the global packages folder" >&2; return 1; }
}

feed_cleanup() {
  [[ -n "${FEED_PACKAGES:-}" && -n "${FEED_VERSION:-}" ]] || return 0
  rm -rf "${FEED_PACKAGES:?}/attrdsl/$FEED_VERSION"
  rmdir "$FEED_PACKAGES/attrdsl" 2>/dev/null || true
}

feed_sources() {
  (cd "$1" && dotnet nuget list source --format detailed) | awk '
    /^ *[0-9]+\. / { name = $2; enabled = ($0 ~ /\[Enabled\]/); next }
    name != "" && enabled { gsub(/^ +| +$/, ""); print name "\t" $0; name = "" }'
}

feed_write_config() {
  local file="$1" feed="$2" s
  local -a sources
  mapfile -t sources < <(feed_sources "$root")
  [[ ${#sources[@]} -gt 0 ]] || { echo "local-feed: dotnet nuget list source shows no enabled source" >&2; return 1; }
  {
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo '<configuration>'
    echo '  <packageSources>'
    echo '    <clear />'
    echo "    <add key=\"attrdsl-local\" value=\"$feed\" />"
    for s in "${sources[@]}"; do echo "    <add key=\"${s%%$'\t'*}\" value=\"${s#*$'\t'}\" />"; done
    echo '  </packageSources>'
    echo '</configuration>'
  } >"$file"
  feed_map_sources "$file"
}

feed_map_sources() {
  local file="$1" s mapping
  local -a sources
  mapfile -t sources < <(feed_sources "$(dirname "$file")" | grep -v $'^attrdsl-local\t')
  grep -q 'key="attrdsl-local"' "$file" || { echo "local-feed: $file has no 'attrdsl-local' source" >&2; return 1; }
  mapping='  <packageSourceMapping>\n    <packageSource key="attrdsl-local"><package pattern="AttrDsl" /></packageSource>\n'
  for s in "${sources[@]}"; do mapping+="    <packageSource key=\"${s%%$'\t'*}\"><package pattern=\"*\" /></packageSource>\n"; done
  mapping+='  </packageSourceMapping>'
  awk -v mapping="$mapping" '/<\/configuration>/ { gsub(/\\n/, "\n", mapping); print mapping } { print }' "$file" >"$file.tmp"
  mv "$file.tmp" "$file"
}
