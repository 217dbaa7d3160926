# bash completion for savepage

_savepage() {
	local cur prev
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	case $prev in
	-f | --format)
		COMPREPLY=($(compgen -W 'jpeg png' -- "$cur"))
		return
		;;
	-o | --output)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--browser)
		COMPREPLY=($(compgen -c -- "$cur"))
		return
		;;
	-W | --width | -H | --height | -d | --delay | -q | --quality | -A | --user-agent | \
	-L | --accept-language | -b | --cookie | --timeout | --browser-arg)
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		local opts='--width --height --fullpage --delay --format --quality --user-agent
			--accept-language --cookie --output --timeout --fail-on-http-error --browser
			--browser-arg --verbose --quiet --version --help
			-W -H -F -d -f -q -A -L -b -o -v -s -V -h'
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _savepage savepage
