#!/usr/bin/perl
# The byte work and the bookkeeping of tests/lib/checks.sh, one process per
# call instead of dozens of od, dd, cmp, awk and sed processes per file.
# readelf and eu-elflint stay the oracles: this script reads only what they
# print, and reads or patches file bytes only at offsets they gave.
#
#   checks.pl page1 FILE PAGE      check_page1 (CHECK_PAGE1_NOTE_ALIGN=4 from
#                                  the environment), messages on stderr
#   checks.pl page1-many FILE...   check_page1_many: page 4096, messages on
#                                  stdout
#   checks.pl segjson FILE         the package JSON texts of the PT_NOTE walk
#   checks.pl segjson-many FILE... segment_note_json_many: "FILE<TAB>JSON"
#   checks.pl view SRC DST ALIGN4  a whole copy with section headers hidden
#   checks.pl keep IN OUT [GROWN]  sections_keep_bytes
#   checks.pl elflint IN OUT       elflint_new_complaints
#
# Messages and exit statuses are those of the shell functions documented in
# checks.sh.  Arithmetic is on signed 64-bit integers, as in bash's $(( )).
use strict;
use integer;

$ENV{LC_ALL} = 'C';

# run(ERR, CMD...): CMD's stdout and exit status; its stderr goes to the
# file ERR, or joins stdout when ERR is '&1'.
sub run {
    my ($err, @cmd) = @_;
    my $pid = open(my $h, '-|') // die "checks.pl: fork: $!\n";
    if (!$pid) {
        if ($err eq '&1') { open(STDERR, '>&', \*STDOUT) }
        else { open(STDERR, '>', $err) }
        exec { $cmd[0] } @cmd;
        require POSIX;
        POSIX::_exit(127);   # not exit: END would remove the parent's files
    }
    local $/;
    my $out = <$h> // '';
    close $h;
    return ($out, $?);
}

# tmpname(TAG): a new file in TMPDIR, removed at exit.  The process id
# keeps it apart from every other running check (a stale one left by a
# killed process is skipped; Fcntl's O_EXCL would cost more to load than
# the rest of this script).
my @tmpfiles;
sub tmpname {
    my $dir = $ENV{TMPDIR} || '/tmp';
    for my $n (0 .. 99) {
        my $p = "$dir/pkgnote-checks.$$.$n.$_[0]";
        next if -e $p;
        if (open(my $fh, '>', $p)) {
            push @tmpfiles, $p;
            return $p;
        }
    }
    die "checks.pl: cannot create a file in $dir: $!\n";
}
END { unlink @tmpfiles if @tmpfiles }

# -- readelf -h and -l ---------------------------------------------------------

# header_fields(TEXT): from readelf -h output, the first word after the
# colon of each field the checks use (as awk -F: and split would).
sub header_fields {
    my %h;
    for (split /\n/, $_[0]) {
        my $v = (split ' ', (split /:/, $_, -1)[1] // '')[0];
        $h{phoff} = $v if /Start of program headers/;
        $h{phentsize} = $v if /Size of program headers/;
        $h{phnum} = $v if /Number of program headers/;
        $h{shnum} = $v if /Number of section headers/;
        $h{class} = $v if /^\s*Class:/;
        $h{little} = /little endian/ ? 1 : 0 if /^\s*Data:/;
    }
    return \%h;
}

# program_headers(TEXT): from readelf -l output, [TYPE, OFFSET, VADDR,
# FILESZ] (as printed) of each program header line (flags may hold spaces;
# the columns before them do not).
sub program_headers {
    my ($on, @ph) = (0);
    for (split /\n/, $_[0]) {
        if (/^Program Headers:/) { $on = 1; next }
        $on = 0 if $on && /^ *$/;
        next unless $on;
        my @f = split ' ';
        push @ph, [@f[0, 1, 2, 4]] if ($f[1] // '') =~ /^0x/;
    }
    return \@ph;
}

# readelf_hl(FILE): (header fields, program headers, undef), or (undef,
# undef, MESSAGE) when readelf -h fails.  One readelf -hlW; when it fails,
# -hW and -lW separately tell the header's failure from the rest's.
sub readelf_hl {
    my ($file) = @_;
    my ($out, $st) = run('/dev/null', 'readelf', '-hlW', '--', $file);
    return (header_fields($out), program_headers($out), undef) if $st == 0;
    my ($hdr, $hst) = run('&1', 'readelf', '-hW', '--', $file);
    $hdr =~ s/\n+\z//;
    return (undef, undef, $hdr) if $hst != 0;
    my ($l) = run('/dev/null', 'readelf', '-lW', '--', $file);
    return (header_fields($hdr), program_headers($l), undef);
}

# -- the segment view ------------------------------------------------------------

# put(BUF, OFFSET, BYTES): write BYTES into the string BUF at OFFSET, zeros
# filling any gap, as dd conv=notrunc does to a file.
sub put {
    my ($buf, $off, $bytes) = @_;
    $$buf .= "\0" x ($off - length $$buf) if length $$buf < $off;
    substr($$buf, $off, length $bytes) = $bytes;
}

# hide_sections(BUF, H, ALIGN4): zero e_shoff, e_shnum and e_shstrndx so
# that readelf -n walks the PT_NOTE segments; with ALIGN4, set p_align of
# every PT_NOTE to 4 (see checks.sh's header comment).  False unless ELF.
sub hide_sections {
    my ($buf, $h, $align4) = @_;
    my $class = ($h->{class} // '') eq 'ELF64' ? 2 : ($h->{class} // '') eq 'ELF32' ? 1 : 0;
    return 0 unless $class;
    if ($class == 1) { put($buf, 32, "\0" x 4); put($buf, 48, "\0" x 4) }
    else { put($buf, 40, "\0" x 8); put($buf, 60, "\0" x 4) }
    return 1 unless $align4;
    return 0 if ($h->{phnum} // '') eq '';
    my ($phoff, $phentsize, $phnum) = map { ($_ // '') + 0 } @$h{qw(phoff phentsize phnum)};
    for my $i (0 .. $phnum - 1) {
        my $ent = $phoff + $i * $phentsize;
        next if $ent + 4 > length $$buf;
        next unless unpack($h->{little} ? 'V' : 'N', substr($$buf, $ent, 4)) == 4;   # PT_NOTE
        my ($aoff, $alen) = $class == 2 ? ($ent + 48, 8) : ($ent + 28, 4);
        put($buf, $aoff, "\0" x $alen);
        put($buf, $h->{little} ? $aoff : $aoff + $alen - 1, "\4");
    }
    return 1;
}

# segment_view(SRC, H, PH, DST, ALIGN4, WHOLE): write DST, SRC with its
# section headers hidden.  Unless WHOLE, only the bytes that readelf -n
# reads there are copied: the ELF and program headers, the PT_NOTE and
# PT_INTERP segments; the rest of DST is a hole up to SRC's size (zeros), so
# that readelf sees the same file size.  A new WHOLE copy gets SRC's
# permission bits, as cp gives them.  False when SRC is not ELF.
sub segment_view {
    my ($src, $h, $ph, $dst, $align4, $whole) = @_;
    open(my $in, '<:raw', $src) or return 0;
    my $size = -s $in;
    my $n = $size;
    if (!$whole) {
        $n = ($h->{phoff} // 0) + ($h->{phnum} // 0) * ($h->{phentsize} // 0);
        $n = 64 if $n < 64;
        for (@$ph) {
            next unless $_->[0] eq 'NOTE' || $_->[0] eq 'INTERP';
            my $e = hex($_->[1]) + hex($_->[3]);
            $n = $e if $e > $n;
        }
        $n = $size if $n > $size || $n < 0;
    }
    my $buf = '';
    while (length $buf < $n) {
        my $r = read($in, $buf, $n - length $buf, length $buf);
        return 0 unless defined $r;
        last if $r == 0;
    }
    hide_sections(\$buf, $h, $align4) or return 0;
    my $new = !-e $dst;
    open(my $out, '>:raw', $dst) or return 0;
    for (my $done = 0; $done < length $buf;) {
        my $w = syswrite($out, $buf, length($buf) - $done, $done);
        return 0 unless $w;
        $done += $w;
    }
    if (!$whole && length $buf < $size) { truncate($out, $size) or return 0 }
    close $out or return 0;
    chmod((stat $in)[2] & 0777 & ~umask, $dst) if $whole && $new;
    return 1;
}

# segment_notes(FILE, H, PH, ERR): readelf -n's stdout on the segment view
# of FILE (its stderr in the file ERR), or undef when FILE is not ELF.
sub segment_notes {
    my ($file, $h, $ph, $err) = @_;
    my $view = tmpname('view');
    my $a4 = ($ENV{CHECK_PAGE1_NOTE_ALIGN} // '') eq '4';
    segment_view($file, $h, $ph, $view, $a4, 0) or return undef;
    my ($notes) = run($err, 'readelf', '-n', '--', $view);
    unlink $view;
    return $notes;
}

# -- check_page1 -------------------------------------------------------------------

# page1(FILE, PAGE[, OUT]): check_page1; its messages go to the handle OUT
# (default stderr).
sub page1 {
    my ($file, $page, $msg) = @_;
    $msg //= \*STDERR;
    my $rc = 0;
    my $fail = sub { print $msg "check_page1: $file: @_\n"; $rc = 1 };
    if (!-f $file) { print $msg "check_page1: $file: no such file\n"; return 1 }

    my ($h, $ph, $herr) = readelf_hl($file);
    if (defined $herr) { $fail->("readelf -h failed: $herr"); return 1 }
    my ($phoff, $phentsize, $phnum) = map { ($_ // '') + 0 } @$h{qw(phoff phentsize phnum)};
    if (($h->{phnum} // '') eq '' || $h->{phnum} eq '0') { $fail->('no program headers'); return 1 }
    my $phend = $phoff + $phnum * $phentsize;
    $fail->("program header table [$phoff, $phend) ends past the first $page bytes") if $phend > $page;

    my ($load0_vaddr, $load0_filesz);
    for (@$ph) {
        my ($type, $off, $vaddr, $filesz) = @$_;
        if ($type eq 'LOAD' && hex($off) == 0 && !defined $load0_filesz) {
            ($load0_vaddr, $load0_filesz) = (hex($vaddr), hex($filesz));
        }
        if ($type eq 'PHDR' && (hex($off) != $phoff || hex($filesz) != $phnum * $phentsize)) {
            $fail->("PT_PHDR (offset $off, size $filesz) does not match e_phoff $phoff, $phnum entries of $phentsize");
        }
    }
    if (!defined $load0_filesz) {
        $fail->('no PT_LOAD with p_offset 0');
        ($load0_filesz, $load0_vaddr) = (0, 0);
    } elsif ($phend > $load0_filesz) {
        $fail->("program header table ends at $phend, past the PT_LOAD of offset 0 (p_filesz $load0_filesz)");
    }

    # Notes, as seen through the PT_NOTE segments.  readelf's warnings
    # matter only when they hide the package note (a malformed note before
    # it in its PT_NOTE ends the walk there): they are shown then.  Other
    # PT_NOTEs' quirks (mold's .note.ABI-tag in an align-8 PT_NOTE) are not
    # this check's business; elflint_new_complaints sees new ones.
    my $errf = tmpname('err');
    my $notes = segment_notes($file, $h, $ph, $errf);
    if (!defined $notes) { $fail->('cannot make a segment view (not ELF?)'); return 1 }
    my $err = '';
    if (open(my $e, '<', $errf)) { local $/; $err = <$e> // '' }
    $err = join("\n", grep { !/Unable to find program interpreter/ } split /\n/, $err);
    $err =~ s/\n+\z//;

    # Each PT_NOTE that holds an FDO package note: OFFSET LENGTH, as printed.
    my ($o, $l, %segs);
    for (split /\n/, $notes) {
        my @f = split ' ';
        if (/^Displaying notes found at file offset/) {
            ($o, $l) = @f[6, 9];
            $l =~ s/:$// if defined $l;
            next;
        }
        $segs{"$o $l"} = 1 if ($o // '') ne '' && ($f[0] // '') eq 'FDO' && ($f[2] // '') eq 'FDO_PACKAGING_METADATA';
    }
    for my $seg (sort keys %segs) {
        my ($seg_off, $seg_len) = split / /, $seg;
        my ($s, $len) = (hex($seg_off), hex($seg_len));
        my $e = $s + $len;
        $fail->("PT_NOTE with the package note [$s, $e) ends past the first $page bytes") if $e > $page;
        $fail->("PT_NOTE with the package note [$s, $e) is not inside the PT_LOAD of offset 0 (p_filesz $load0_filesz)")
            if $e > $load0_filesz;
        my $pvaddr;
        for (@$ph) {
            if ($_->[0] eq 'NOTE' && hex($_->[1]) == $s && hex($_->[3]) == $len) { $pvaddr = hex($_->[2]); last }
        }
        if (!defined $pvaddr) {
            $fail->("no PT_NOTE program header at offset $seg_off, size $seg_len");
        } elsif ($pvaddr != $load0_vaddr + $s) {
            $fail->(sprintf('PT_NOTE at offset %d has p_vaddr %#x, but the first PT_LOAD maps that offset at %#x',
                $s, $pvaddr, $load0_vaddr + $s));
        }
    }
    if (!%segs) {
        $fail->('no PT_NOTE segment holds an FDO_PACKAGING_METADATA note (owner FDO, type 0xcafe1a7e)');
        (my $one = $err) =~ tr/\n/ /;
        $fail->("readelf, walking the PT_NOTE segments: $one ") if $err ne '';
    }
    return $rc;
}

# page1_many(FILE...): check_page1 (page 4096) of each FILE in one process;
# the messages on stdout.
sub page1_many {
    my $rc = 0;
    for (@_) { $rc = 1 if page1($_, 4096, \*STDOUT) }
    return $rc;
}

# -- segment_note_json, _pn_segment_view ----------------------------------------

# segjson_texts(FILE): the package JSON texts of FILE's PT_NOTE walk.
sub segjson_texts {
    my ($file) = @_;
    my ($h, $ph, $herr) = readelf_hl($file);
    my $notes = defined $herr ? undef : segment_notes($file, $h, $ph, '/dev/null');
    return () unless defined $notes;
    return map { s/^    Packaging Metadata: // ? $_ : () } split /\n/, $notes;
}

sub segjson {
    my $out = join "\n", segjson_texts($_[0]);
    $out =~ s/\n+\z//;
    return 1 if $out eq '';
    print "$out\n";
    return 0;
}

# segjson_many(FILE...): "FILE<TAB>JSON" for each text of each FILE.
sub segjson_many {
    for my $f (@_) { print map { "$f\t$_\n" } segjson_texts($f) }
    return 0;
}

# view: the class and byte order from e_ident (a whole copy is made of
# anything that says ELFCLASS32 or 64 there); readelf -h only for ALIGN4.
sub view {
    my ($src, $dst, $align4) = @_;
    my $h = {};
    if ($align4 eq '1') {
        my ($out) = run('/dev/null', 'readelf', '-hW', '--', $src);
        $h = header_fields($out);
    }
    open(my $in, '<:raw', $src) or return 1;
    read($in, my $id, 6);
    my ($class, $data) = map { ord } split //, substr($id . "\0" x 6, 4, 2);
    $h->{class} = $class == 1 ? 'ELF32' : $class == 2 ? 'ELF64' : '';
    $h->{little} = $data == 1 ? 1 : 0;
    return segment_view($src, $h, [], $dst, $align4 eq '1', 1) ? 0 : 1;
}

# -- sections_keep_bytes -----------------------------------------------------------

# alloc_sections(FILE): [NAME, OFFSET, SIZE] (hex as printed) of each
# allocated section with bytes in the file, but .dynamic and .note.package.
sub alloc_sections {
    my ($out) = run('/dev/null', 'readelf', '-SW', '--', $_[0]);
    my @s;
    for (split /\n/, $out) {
        next unless s/^ *\[ *[0-9]*\] //;
        my @f = split ' ';
        next if ($f[1] // '') eq 'NOBITS' || ($f[1] // '') eq 'NULL' || ($f[6] // '') !~ /A/;
        next if ($f[0] // '') eq '.dynamic' || ($f[0] // '') eq '.note.package';
        push @s, [@f[0, 3, 4]];
    }
    return @s;
}

# same_bytes(A, AOFF, B, BOFF, N): cmp -s -i AOFF:BOFF -n N A B.
sub same_bytes {
    my ($a, $aoff, $b, $boff, $n) = @_;
    return 0 unless $a && $b;
    seek($a, $aoff, 0) or return 0;
    seek($b, $boff, 0) or return 0;
    while ($n > 0) {
        my $want = $n < (1 << 20) ? $n : 1 << 20;
        my $ra = read($a, my $x, $want);
        my $rb = read($b, my $y, $want);
        return 0 if !defined $ra || !defined $rb || $x ne $y;
        return 1 if $ra < $want;   # both ended here
        $n -= $want;
    }
    return 1;
}

sub keep {
    my ($in, $out, $grown) = @_;
    $grown //= '';
    my %at;
    for (alloc_sections($out)) { $at{$_->[0]} //= [$_->[1], $_->[2]] }
    open(my $a, '<:raw', $in);
    open(my $b, '<:raw', $out);
    my @bad;
    for (alloc_sections($in)) {
        my ($name, $off, $size) = @$_;
        my ($off2, $size2) = @{$at{$name} // []};
        if (!defined $off2 || ($name ne $grown && hex($size2) != hex($size)) || hex($size2) < hex($size)
            || !same_bytes($a, hex($off), $b, hex($off2), hex($size))) {
            push @bad, $name;
        }
    }
    return 0 unless @bad;
    print "@bad\n";
    return 1;
}

# -- elflint_new_complaints --------------------------------------------------------

# elflint_lines(FILE): the set of eu-elflint --gnu-ld lines on FILE, its
# name (and base name) made FILE, section and program header indices N,
# as the byte count of "extra N bytes after last note" (a PT_NOTE walk
# that lost step, e.g. mold's notes of alignment 4 in a PT_NOTE of
# alignment 8: its length changes whenever a note is replaced); "No
# errors" dropped.
sub elflint_lines {
    my ($f) = @_;
    (my $base = $f) =~ s{/+\z}{};
    $base =~ s{.*/}{};
    my ($out) = run('&1', 'eu-elflint', '--gnu-ld', '--', $f);
    my %set;
    for (split /\n/, $out) {
        s/\Q$f\E/FILE/g;
        s/\Q$base\E/FILE/g if $base ne 'FILE' && $base ne '';
        s/section \[ *[0-9]+\]/section [N]/g;
        s/phdr\[ *[0-9]+\]/phdr[N]/g;
        s/program header entry [0-9]+/program header entry N/g;
        s/section index [0-9]+/section index N/g;
        s/extra [0-9]+ bytes after last note/extra N bytes after last note/;
        $set{$_} = 1 unless $_ eq 'No errors' || $_ eq '' || $_ eq 'FILE:';
    }
    return \%set;
}

sub elflint {
    my ($in, $out) = @_;
    my $old = elflint_lines($in);
    my $new = elflint_lines($out);
    print map { "$_\n" } grep { !$old->{$_} } sort keys %$new;
    return 0;
}

my %modes = (page1 => \&page1, 'page1-many' => \&page1_many, segjson => \&segjson,
    'segjson-many' => \&segjson_many, view => \&view, keep => \&keep, elflint => \&elflint);
my $mode = shift // '';
die "checks.pl: unknown mode '$mode'\n" unless $modes{$mode};
exit $modes{$mode}->(@ARGV);
