#!/usr/bin/env bash
# nsh — netstack shell helper.
#
# Small CLI for working with a checkout of the netstack pattern repo:
# list and search patterns, print their published URL, show the site values a
# pattern expects, scaffold a new pattern, and check relative links.
#
# Usage: nsh.sh <command> [args]    (run `nsh.sh help` for the list)
#
# Environment:
#   NSH_REPO      path of the netstack checkout (default: git top level, else $PWD)
#   NSH_BASE_URL  published base URL (default: https://netstack.org)
#   NSH_DRY_RUN   if set to 1, `new` prints the skeleton instead of writing it

set -euo pipefail

NSH_REPO="${NSH_REPO:-$(git rev-parse --show-toplevel 2>/dev/null || pwd)}"
NSH_BASE_URL="${NSH_BASE_URL:-https://netstack.org}"
NSH_DOCS="$NSH_REPO/docs"

log()  { printf '%s nsh: %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }
die()  { log "error: $*"; exit 1; }

need_docs() {
    [[ -d "$NSH_DOCS" ]] || die "no docs/ under $NSH_REPO (set NSH_REPO)"
}

# Print "<id>\t<relative path>" for every pattern file.
pattern_files() {
    need_docs
    ( cd "$NSH_REPO" && find docs -type f -name '*.md' -print | sort ) |
    while IFS= read -r f; do
        if [[ "$f" == *-pattern.md ]] \
           || grep -qm1 '^# Pattern:' "$NSH_REPO/$f" \
           || head -n 20 "$NSH_REPO/$f" | grep -q '^kind: *pattern'; then
            printf '%s\t%s\n' "$(basename "$f" .md)" "$f"
        fi
    done
}

# First "# " heading outside fenced code blocks, or the file stem when there is none.
title_of() {
    local t
    t="$(awk '/^(```|~~~)/ { fence = !fence; next }
              !fence && /^# / { sub(/^# +/, ""); print; exit }' "$1" 2>/dev/null)" || true
    printf '%s\n' "${t:-$(basename "$1" .md)}"
}

path_of() {
    local id="$1" p
    p="$(pattern_files | awk -F'\t' -v id="$id" '$1 == id { print $2 }')"
    [[ -n "$p" ]] || die "no pattern with id '$id'"
    printf '%s\n' "$p"
}

cmd_list() {
    pattern_files | while IFS=$'\t' read -r id path; do
        printf '%-36s %s\n' "$id" "$(title_of "$NSH_REPO/$path")"
    done
}

cmd_search() {
    [[ $# -gt 0 ]] || die "usage: nsh search <words...>"
    need_docs
    # every word must appear somewhere in the file (AND search), case-insensitive
    local files
    files="$(grep -rilF --include='*.md' -- "$1" "$NSH_DOCS" || true)"
    shift
    for w in "$@"; do
        [[ -z "$files" ]] && break
        files="$(printf '%s\n' "$files" | xargs -d '\n' grep -ilF -- "$w" || true)"
    done
    [[ -n "$files" ]] || { log "no match"; return 1; }
    printf '%s\n' "$files" | sed "s|^$NSH_REPO/||" | sort
}

cmd_url() {
    [[ $# -eq 1 ]] || die "usage: nsh url <pattern-id>"
    local p
    p="$(path_of "$1")"
    p="${p%.md}"
    p="${p%/README}"
    printf '%s/%s/\n' "${NSH_BASE_URL%/}" "$p"
}

# Print the names listed under `values:` in the YAML front matter.
cmd_values() {
    [[ $# -eq 1 ]] || die "usage: nsh values <pattern-id>"
    local f
    f="$NSH_REPO/$(path_of "$1")"
    awk '
        NR == 1 && $0 != "---" { exit }
        NR > 1 && $0 == "---"  { exit }
        /^values: *\[/ { gsub(/^values: *\[|\].*$/, ""); n = split($0, a, /, */)
                         for (i = 1; i <= n; i++) print a[i]; exit }
        /^values: *$/  { inv = 1; next }
        inv && /^  [A-Za-z_]+:/ { sub(/^  /, ""); sub(/:.*/, ""); print; next }
        inv && /^  - /          { sub(/^  - */, ""); print; next }
        inv && /^[^ ]/          { inv = 0 }
    ' "$f"
}

cmd_new() {
    [[ $# -eq 2 ]] || die "usage: nsh new <category> <topic>   e.g. nsh new ops/backup tape-export"
    local dir="$NSH_DOCS/$1" file
    file="$dir/${2%-pattern}-pattern.md"
    [[ -e "$file" ]] && die "$file already exists"
    local body
    body="$(cat <<SKEL
# ${2//-/ } pattern

## Problem

What hurts, who notices, and when this pattern applies.

## How it works

The idea in two or three paragraphs. Say why, not only what.

## Steps

1. First step.

   \`\`\`bash
   echo "real command here"
   \`\`\`

## Values a site must supply

- \`<value_name>\` — what it is and where the site records it

## Verification

## Pitfalls

## Related
SKEL
)"
    if [[ "${NSH_DRY_RUN:-0}" == 1 ]]; then
        printf '%s\n' "$body"
    else
        mkdir -p "$dir"
        printf '%s\n' "$body" > "$file"
        log "wrote ${file#"$NSH_REPO"/}"
    fi
}

# Report relative .md links that do not resolve to a file.
cmd_check() {
    need_docs
    local bad=0 f link target
    while IFS= read -r f; do
        while IFS= read -r link; do
            link="${link%%#*}"
            [[ -z "$link" || "$link" == http* || "$link" == mailto:* ]] && continue
            target="$(dirname "$f")/$link"
            if [[ ! -e "$target" ]]; then
                printf '%s: broken link %s\n' "${f#"$NSH_REPO"/}" "$link"
                bad=1
            fi
        done < <(grep -oE '\]\([^)]+\)' "$f" | sed -E 's/^\]\(//; s/\)$//; s/ .*//')
    done < <(find "$NSH_DOCS" -type f -name '*.md')
    return "$bad"
}

cmd_help() {
    cat <<'USAGE'
nsh — netstack shell helper

  nsh list                     all patterns: id and title
  nsh search <word> [word...]  files containing every word
  nsh url <id>                 published URL of a pattern
  nsh values <id>              site values a pattern declares
  nsh new <category> <topic>   scaffold docs/<category>/<topic>-pattern.md
  nsh check                    report broken relative links
USAGE
}

main() {
    local cmd="${1:-help}"
    [[ $# -gt 0 ]] && shift
    case "$cmd" in
        list)            cmd_list "$@" ;;
        search|find)     cmd_search "$@" ;;
        url)             cmd_url "$@" ;;
        values)          cmd_values "$@" ;;
        new)             cmd_new "$@" ;;
        check)           cmd_check "$@" ;;
        help|-h|--help)  cmd_help ;;
        *)               cmd_help >&2; exit 2 ;;
    esac
}

main "$@"
